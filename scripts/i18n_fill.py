"""Fill untranslated zh_CN entries from a Python file defining ``ZH = {msgid: translation}``.

Run: ``.venv/bin/python scripts/i18n_fill.py path/to/zh.py``
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

from i18n_update import PO


def main(path: str) -> None:
    translations = runpy.run_path(path)["ZH"]
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    filled = 0
    for message in catalog:
        if message.id and not message.string and message.id in translations:
            message.string = translations[message.id]
            filled += 1
    catalog.fuzzy = False
    with PO.open("wb") as f:
        write_po(f, catalog, sort_output=True, ignore_obsolete=True, width=100)
    left = [m.id for m in catalog if m.id and not m.string]
    print(f"filled {filled}; {len(left)} still untranslated")
    for msgid in left:
        print("  ", repr(msgid))


if __name__ == "__main__":
    main(sys.argv[1])
