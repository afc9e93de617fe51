"""``docs/routes.md`` is what ``scripts/routes_doc.py`` writes for the app as it is now."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "routes_doc.py"


def routes_doc():
    spec = importlib.util.spec_from_file_location("routes_doc", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_routes_document_is_up_to_date(app):
    doc = routes_doc()
    committed = doc.OUTPUT.read_text(encoding="utf-8") if doc.OUTPUT.exists() else ""
    assert committed == doc.render(app), (
        f"docs/routes.md is out of date: run `{doc.COMMAND}` and commit the result"
    )


def test_every_route_is_in_the_document_with_who_may_open_it(app):
    rows = {row[2]: row for row in routes_doc().route_rows(app)}
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if not r.endpoint.endswith("static")}
    assert set(rows) == endpoints
    assert rows["common.health"][4] == "anyone"
    assert rows["operators.index"][4] == "platform operators"
    assert "(not declared)" not in {row[4] for row in rows.values()}
