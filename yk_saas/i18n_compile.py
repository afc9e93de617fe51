"""Compile every ``.po`` catalogue (main and per feature) into ``.mo`` when stale."""

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE = Path(__file__).resolve().parent


def translation_directories() -> list[Path]:
    """The main catalogue folder and every feature's own."""
    return [PACKAGE / "translations", *sorted(PACKAGE.glob("*/translations"))]


def compile_catalogs(force: bool = False) -> list[Path]:
    """Write ``messages.mo`` next to each newer ``messages.po``; returns those written."""
    written = []
    po_paths = [p for d in translation_directories() for p in sorted(d.glob("*/LC_MESSAGES/*.po"))]
    for po_path in po_paths:
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogs(force="--force" in sys.argv):
        print(f"compiled {path.relative_to(PACKAGE.parent)}")
