"""Fill untranslated zh_Hans_CN entries from a file defining ``ZH = {msgid: translation}``.

Run: ``.venv/bin/python scripts/i18n_fill.py path/to/zh.py``
"""

import runpy
import sys

from i18n_update import catalogue_paths, read_catalogue, write_catalogue


def main(path: str) -> None:
    translations = runpy.run_path(path)["ZH"]
    left = []
    for po_path in catalogue_paths().values():
        catalog = read_catalogue(po_path)
        for message in catalog:
            if message.id and not message.string and message.id in translations:
                message.string = translations[message.id]
        write_catalogue(po_path, catalog)
        left += [m.id for m in catalog if m.id and not m.string]
    print(f"{len(left)} still untranslated")
    for msgid in left:
        print("  ", repr(msgid))


if __name__ == "__main__":
    main(sys.argv[1])
