"""Pages are named alike: blueprint, module, URL prefix and template folder agree.

Desk pages of a feature: blueprint ``<feature>`` at ``/desk/<feature>`` in ``<feature>/views.py``;
the client portal's: ``<feature>_portal`` at ``/portal/<feature>`` in ``portal_views.py``;
pages for managers only: ``<feature>_admin`` at ``/desk/admin/<feature>`` in ``admin_views.py``.
Each renders templates from the folder of its own name.
"""

import importlib
import re
from pathlib import Path

from yk_saas.access import ACCESS_ATTR, MANAGERS

#: Blueprints outside the desk, the portal and the managers' pages (sign-in, the public site,
#: the operator console, provider webhooks…), each in its package's ``views.py`` or a module
#: named for it.
OUTSIDE_THE_DESK = {
    "common",
    "platform",
    "site",
    "accounts",
    "account",
    "portal",
    "desk",
    "notifications",
    "operators",
    "stripe_webhook",
}


def expected_place(name: str) -> tuple[str, str, str]:
    """(URL prefix, module suffix, package) a page blueprint called ``name`` must have."""
    if name.endswith("_admin"):
        feature = name.removesuffix("_admin")
        return f"/desk/admin/{feature}", f"{feature}.admin_views", feature
    if name.endswith("_portal"):
        feature = name.removesuffix("_portal")
        return f"/portal/{feature}", f"{feature}.portal_views", feature
    return f"/desk/{name}", f"{name}.views", name


def test_every_page_blueprint_agrees_with_its_module_url_prefix_and_template_folder(app):
    wrong = []
    for name, bp in app.blueprints.items():
        if name in OUTSIDE_THE_DESK:
            continue
        prefix, module_suffix, _ = expected_place(name)
        if bp.url_prefix != prefix:
            wrong.append(f"{name}: URL prefix {bp.url_prefix}, expected {prefix}")
        if not bp.import_name.endswith("." + module_suffix):
            wrong.append(f"{name}: module {bp.import_name}, expected yk_saas.{module_suffix}")
        source = Path(importlib.import_module(bp.import_name).__file__).read_text()
        for template in re.findall(r"render_template\(\s*\"([^\"]+)\"", source):
            if template.split("/")[0] != name:
                wrong.append(f"{name}: renders {template}, expected a template in {name}/")
    assert not wrong, "\n".join(wrong)


def test_managers_pages_are_for_managers_only(app):
    """A ``<feature>_admin`` page that staff below the managers may open belongs on the desk."""
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0].endswith("_admin"):
            access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR)
            allowed = set(access.removeprefix("roles:").split(","))
            if not access.startswith("roles:") or not allowed <= set(MANAGERS):
                wrong.append(f"{rule.rule} ({rule.endpoint}) is open to {access}")
    assert not wrong, "\n".join(wrong)
