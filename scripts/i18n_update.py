"""Extract the messages of the code and templates and merge them into zh_CN/messages.po.

Run: ``.venv/bin/python scripts/i18n_update.py``; then translate the empty
entries (``tests/test_i18n.py`` fails while any is left).
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
# Babel names Simplified Chinese of China zh_Hans_CN, and so must the folder.
PO = ROOT / "yk_saas" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
METHODS = [("yk_saas/**.py", "python"), ("tenants/**.py", "python"),
           ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extract_catalog() -> Catalog:
    """Every translatable message in the code and templates."""
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**": {"extensions": "jinja2.ext.do"}}
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def main() -> None:
    template = extract_catalog()
    if PO.exists():
        with PO.open("rb") as f:
            catalog = read_po(f, locale="zh_CN")
    else:
        catalog = Catalog(locale="zh_CN")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.fuzzy = False
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=False, sort_output=True, ignore_obsolete=True, width=100)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"{len(catalog)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
