"""Extract messages from code and templates into the zh_Hans_CN catalogues.

A feature package that has its own ``yk_saas/<feature>/translations`` folder
owns the messages first found in ``yk_saas/<feature>/`` or
``templates/<feature>/``; the main catalogue ``yk_saas/translations`` owns the
rest. Run: ``.venv/bin/python scripts/i18n_update.py``, then translate the
empty entries (``scripts/i18n_fill.py``); ``tests/test_i18n.py`` fails while
any is left.
"""

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "yk_saas"
# Babel names Simplified Chinese of China zh_Hans_CN, and so must the folder.
LOCALE_DIR = Path("zh_Hans_CN") / "LC_MESSAGES" / "messages.po"
PO = PACKAGE / "translations" / LOCALE_DIR
METHODS = [
    ("yk_saas/**.py", "python"),
    ("tenants/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def catalogue_paths() -> dict[str, Path]:
    """Owner name → .po path: "" for the main catalogue, else each feature that opted in."""
    paths = {"": PO}
    for folder in sorted(PACKAGE.glob("*/translations")):
        paths[folder.parent.name] = folder / LOCALE_DIR
    return paths


def owner_of(filename: str, owners) -> str:
    parts = Path(filename).parts
    if len(parts) > 2 and parts[0] in ("yk_saas", "templates"):
        # templates/<feature>_admin and <feature>_portal belong to their feature's catalogue
        feature = parts[1].removesuffix("_admin").removesuffix("_portal")
        if feature in owners:
            return feature
    return ""


def extract_catalog() -> Catalog:
    """Every translatable message in the code and templates."""
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read_catalogue(path: Path) -> Catalog:
    if not path.exists():
        return Catalog(locale="zh_CN")
    with path.open("rb") as f:
        return read_po(f, locale="zh_CN")


def write_catalogue(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.fuzzy = False
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, ignore_obsolete=True, width=100)


def main() -> None:
    paths = catalogue_paths()
    templates = {owner: Catalog() for owner in paths}
    for message in extract_catalog():
        if message.id:
            owner = owner_of(message.locations[0][0], paths)
            templates[owner][message.id] = message
    known = {}
    for path in paths.values():
        known.update({m.id: m.string for m in read_catalogue(path) if m.id and m.string})
    for owner, path in paths.items():
        catalog = read_catalogue(path)
        catalog.update(templates[owner], no_fuzzy_matching=True)
        for message in catalog:
            if message.id and not message.string and known.get(message.id):
                message.string = known[message.id]
        write_catalogue(path, catalog)
        missing = sum(1 for m in catalog if m.id and not m.string)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {missing} untranslated")


if __name__ == "__main__":
    main()
