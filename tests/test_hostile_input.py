"""Every route answers hostile input with a 4xx (or its form again, with a message), never a 5xx.

The same hostile set goes to every route of the URL map, as a role the route
is declared for, in a firm filled with every feature's demo data:

(a) every ``<int:…>`` part of a URL gets 2³¹, 2⁶³ and 10²⁰, every string part
    a NUL byte: 404 (or 400);
(b) every GET route gets every query argument the code reads (``page``,
    filters, periods, dates…) huge, negative, non-numeric, NUL, ``1e308``,
    year 1: never a 5xx;
(c) every POST route gets each field of its forms (found in the view's source:
    the ``…Form`` classes it builds and the ``request.form`` names it reads)
    set in turn to each hostile value of the field's kind, the other fields
    holding plausible values: NUL and control characters, 100 kB of text,
    2³¹ / 2⁶³ / 10²⁰, ``1e308``, ``NaN``, ``Infinity``, ``-0``, a space, a
    missing id, year-1 and year-9999 dates. Never a 5xx; and the values that
    must be refused leave every row of the firm's schema and of ``public``
    unchanged (a checksum before and after each route's batch).
"""

import inspect
import re
from dataclasses import replace
from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FileField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
)
from wtforms.validators import NumberRange

from tenants import db
from tests.support import PASSWORD, PLATFORM
from tests.support.fingerprints import fingerprint
from tests.support.routes import access_of, allowed_roles, swept_rules

SLUG = "hostile"
SCHEMA = f"t_{SLUG}"
HUGE_IDS = (2**31, 2**63, 10**20)
TEXT_MUST = ("\x00", "a\x00b", "bell\x07", "x" * 100_000)
INT_MUST = ("2147483648", "9223372036854775808", "100000000000000000000", "1e308", "NaN")
INT_LOOSE = ("-0", " ", "-1", "abc")
AMOUNT_MUST = ("1e308", "NaN", "Infinity", "100000000000000000000", "1e3")
AMOUNT_LOOSE = (" ", "-0", "2147483648")
DATE_MUST = ("0001-01-01", "9999-12-31")
MISSING_ID = "999999"
#: Names read through ``parse_amount`` outside an ``AmountField``.
AMOUNT_NAMES = {
    "price",
    "approval_threshold",
    "revenue",
    "costs",
    "profit",
    "vat",
    "income_tax",
    "cash_balance",
}
QUERY_VALUES = (
    "99999999999999999999",
    "-5",
    "abc",
    "1e308",
    "0001-01-01",
    "9999-99",
    " ",
    "NaN",
    "2147483648",
)
#: Rows a refused request may legitimately write: records of failed sign-ins.
LOG_TABLES = {"login_attempts", "audit_log"}
ROLE_ORDER = ("owner", "client", "accountant", "admin")


# --- the firm and its people ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_firm(app):
    """A firm with every feature's demo data, and an operator of the platform."""
    from yk_saas.demo import DEMO_FIRMS, DEMO_PASSWORD, create_demo_firm
    from yk_saas.operators.models import PlatformOperator
    from yk_saas.operators.services import create_operator

    demo = replace(DEMO_FIRMS[0], slug=SLUG)
    with app.app_context():
        create_demo_firm(demo)
        if not db.session.scalar(
            select(PlatformOperator.id).where(PlatformOperator.email == "ops@yk.test")
        ):
            create_operator("ops@yk.test", PASSWORD, "Ops")
        db.session.commit()
    client_email = next(iter(demo.companies.values()))[0][0]
    return {
        "host": f"{SLUG}.{PLATFORM}",
        "password": DEMO_PASSWORD,
        "owner": demo.owner[0],
        "admin": demo.admins[0][0],
        "accountant": demo.accountants[0][0],
        "client": client_email,
    }


class Sessions:
    """One signed-in client per role, signed in again when a request ended its session."""

    def __init__(self, host_client, firm):
        self.host_client, self.firm, self.clients = host_client, firm, {}

    def fresh(self, role):
        if role == "anonymous":
            return self.host_client(self.firm["host"])
        if role == "platform":
            return self.host_client(PLATFORM)
        if role == "operator":
            client = self.host_client(PLATFORM)
            assert (
                client.post(
                    "/operators/login", {"email": "ops@yk.test", "password": PASSWORD}
                ).status_code
                == 303
            )
            client._csrf = None
            return client
        client = self.host_client(self.firm["host"])
        assert client.login(self.firm[role], self.firm["password"]).status_code == 302
        return client

    def get(self, role):
        client = self.clients.get(role)
        if client is None or (
            role not in ("anonymous", "platform") and not self.alive(client, role)
        ):
            client = self.clients[role] = self.fresh(role)
        return client

    @staticmethod
    def alive(client, role):
        home = {"operator": "/operators/", "client": "/portal/"}.get(role, "/desk/")
        return client.get(home).status_code == 200


@pytest.fixture(scope="module")
def sessions(app, hostile_firm):
    from tests.support.http import HostClient

    return Sessions(lambda host: HostClient(app, host), hostile_firm)


def role_for(app, rule):
    """Who sends the probes: a role the route is declared for (anonymous for open routes)."""
    access = access_of(app, rule)
    platform = rule.endpoint.split(".")[0] in ("platform", "operators", "stripe_webhook")
    if access == "operator":
        return "operator"
    allowed = allowed_roles(access)
    if allowed is None:
        return "platform" if platform else "anonymous"
    return next(role for role in ROLE_ORDER if role in allowed)


def path_for(rule, value=1, text="1"):
    """The rule's URL with every int part set to ``value`` and every other part to ``text``."""
    path = rule.rule
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        part = str(value) if "Int" in converter else text
        path = re.sub(rf"<[^>]*\b{name}>", part, path)
    return path


def send(client, method, path, data=None):
    """The status of one request; an exception escaping the app counts as a 500."""
    try:
        if method == "GET":
            return client.get(path).status_code
        return client.post(path, data or {}).status_code
    except Exception as exc:  # noqa: BLE001  the app raised: exactly what we are looking for
        return f"500 ({type(exc).__name__}: {str(exc)[:120]})"


def is_server_error(status) -> bool:
    return isinstance(status, str) or status >= 500


def schemas_fingerprint(app):
    firm = {t: v for t, v in fingerprint(app, SCHEMA).items() if t not in LOG_TABLES}
    public = {t: v for t, v in fingerprint(app, "public").items() if t not in LOG_TABLES}
    return firm, public


# --- (a) ids in URLs --------------------------------------------------------------------------------


def test_huge_ids_and_nul_in_urls_are_404_not_500(app, hostile_firm, sessions):
    wrong, checked = [], 0
    for rule in swept_rules(app):
        if not rule.arguments:
            continue
        client = sessions.get(role_for(app, rule))
        kinds = {type(c).__name__ for c in rule._converters.values()}
        probes = [path_for(rule, value) for value in HUGE_IDS if any("Int" in k for k in kinds)]
        if any("Int" not in k for k in kinds):
            probes.append(path_for(rule, 1, "a%00b"))
        for path in probes:
            for method in ("GET", "POST"):
                if method not in rule.methods:
                    continue
                status = send(client, method, path)
                checked += 1
                if is_server_error(status) or status < 400:
                    wrong.append(f"{method} {path} -> {status}")
    assert checked > 100
    assert wrong == [], "\n".join(wrong)


def test_the_int_converter_refuses_what_an_integer_column_cannot_hold(app):
    adapter = app.url_map.bind(PLATFORM)
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/desk/work/<int:item_id>")
    assert adapter.match(f"/desk/work/{2**31 - 1}", method="GET")[1] == {"item_id": 2**31 - 1}
    for value in HUGE_IDS:
        with pytest.raises(Exception) as caught:
            adapter.match(f"/desk/work/{value}", method="GET")
        assert getattr(caught.value, "code", None) == 404, rule


# --- (b) query arguments -------------------------------------------------------------------------


def query_names() -> set[str]:
    """Every query argument the code reads, found in its source, and the usual list arguments."""
    from pathlib import Path

    import yk_saas

    root = Path(yk_saas.__file__).parent
    names = {"page", "per_page", "sort", "q", "from", "to", "assignee_id", "company_id", "category"}
    for source in root.rglob("*.py"):
        names |= set(re.findall(r"""args\.get\(["'](\w+)["']""", source.read_text()))
    return names


def test_every_query_argument_is_bounded(app, hostile_firm, sessions):
    names = query_names()
    assert {"page", "period", "state"} <= names
    wrong, checked = [], 0
    for rule in swept_rules(app):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        client = sessions.get(role_for(app, rule))
        base = path_for(rule)
        for value in QUERY_VALUES:
            query = "&".join(f"{name}={value}" for name in sorted(names))
            status = send(client, "GET", f"{base}?{query}")
            checked += 1
            if is_server_error(status):
                wrong.append(f"GET {base}?…={value!r} -> {status}")
        status = send(client, "GET", f"{base}?page=%00&q=a%00b")
        if is_server_error(status) or status != 400:
            wrong.append(f"GET {base}?page=%00 -> {status}")
    assert checked > 300
    assert wrong == [], "\n".join(wrong)


# --- (c) form fields -------------------------------------------------------------------------------


def all_form_classes():
    seen, todo = {}, [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            seen.setdefault(sub.__name__, []).append(sub)
            todo.append(sub)
    return seen


def view_source(app, rule) -> tuple[str, dict]:
    view = inspect.unwrap(app.view_functions[rule.endpoint])
    return inspect.getsource(view), view.__globals__


def validated_form_names(source: str) -> list[str]:
    """Form classes the view validates (``form = XForm()`` … ``form.validate…``); when none is
    found that way, every form class it builds (forms built only to be shown are left out)."""
    assigned = re.findall(r"(\w+)\s*=\s*(?:\w+\.)?(\w+Form)\(", source)
    validated = [cls for var, cls in assigned if re.search(rf"\b{var}\.validate", source)]
    return validated or re.findall(r"\b(\w+Form)\(", source)


def forms_of(app, rule):
    """The form classes a view builds and validates, by name in its source."""
    source, names = view_source(app, rule)
    classes = all_form_classes()
    wanted = set(validated_form_names(source))
    found = []
    for name in dict.fromkeys(re.findall(r"\b(\w+Form)\(", source)):
        if name not in wanted:
            continue
        cls = names.get(name)
        if cls is None and "." not in name:
            candidates = classes.get(name, [])
            cls = candidates[0] if len(candidates) == 1 else None
        if isinstance(cls, type) and issubclass(cls, FlaskForm):
            found.append(cls)
    for module_name, name in re.findall(r"\b(\w+)\.(\w+Form)\(", source):
        cls = getattr(names.get(module_name), name, None) if name in wanted else None
        if isinstance(cls, type) and issubclass(cls, FlaskForm):
            found.append(cls)
    return found


def raw_names_of(app, rule) -> set[str]:
    source, _names = view_source(app, rule)
    return set(
        re.findall(
            r"""(?:form|form_int|form_ints)(?:\.get|\.getlist|\[|\()\(?["'](\w+)["']""", source
        )
    )


def flag_names_of(app, rule) -> set[str]:
    """Raw names only compared with a constant (``on_duty == "1"``): any other value means "no"."""
    source, _names = view_source(app, rule)
    return set(re.findall(r"""form\.get\(["'](\w+)["'](?:, [^)]*)?\)\s*(?:==|in\b)""", source))


def field_kind(field) -> str | None:
    if isinstance(field, FileField | BooleanField) or field.name == "csrf_token":
        return None
    if isinstance(field, DateTimeLocalField):
        return "datetime"
    if isinstance(field, DateField):
        return "date"
    if type(field).__name__ == "AmountField" or field.name in AMOUNT_NAMES:
        return "amount"
    if isinstance(field, IntegerField):
        return "int"
    if isinstance(field, SelectField | RadioField) and field.coerce is int:
        return "id"
    return "text"


def plausible(field, kind) -> str:
    """A value the field would accept, so that a hostile value in another field is what is tested."""
    today = date.today()
    if kind == "date":
        return today.isoformat()
    if kind == "datetime":
        return f"{today.isoformat()}T09:00"
    if kind == "amount":
        return "100.00"
    if kind == "int":
        low = [v.min for v in field.validators if isinstance(v, NumberRange) and v.min is not None]
        return str(max(low or [1]))
    if kind == "id":
        return "1"
    if isinstance(field, EmailField) or "email" in field.name:
        return "probe@example.com"
    if isinstance(field, PasswordField):
        return "Another-horse-42"
    if isinstance(field, SelectField | RadioField):
        choices = field.choices or []
        first = choices[0] if choices else ("",)
        return str(first[0] if isinstance(first, tuple | list) else first)
    by_name = {
        "slug": "probe-page",
        "primary": "#1d5fd1",
        "accent": "#1d5fd1",
        "period": today.strftime("%Y-%m"),
        "url": "/p/probe",
        "link": "/p/probe",
        "invoice_prefix": "INV",
    }
    return by_name.get(field.name, "Probe text")


def fields_of(app, rule) -> dict[str, tuple[str, str]]:
    """name → (kind, plausible value) for every field of the route's forms and raw names."""
    fields = {}
    with app.test_request_context(f"http://{PLATFORM}/"):
        for cls in forms_of(app, rule):
            try:
                form = cls(meta={"csrf": False}, formdata=None)
            except Exception:  # noqa: BLE001  a form needing the firm bound: its names still count
                form = None
            for field in form or ():
                kind = field_kind(field)
                if kind:
                    fields[field.name] = (kind, plausible(field, kind))
    flags = flag_names_of(app, rule)
    for name in raw_names_of(app, rule) - set(fields):
        if name in flags:
            fields[name] = ("flag", "1")
        elif name.endswith("_id") or name == "capacity":
            fields[name] = ("id", "1")
        elif name in AMOUNT_NAMES:
            fields[name] = ("amount", "100.00")
        else:
            fields[name] = ("text", "1")
    return fields


def hostile_values(kind) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(values that must be refused, values that must only not break anything) for a kind."""
    if kind == "flag":
        return (), TEXT_MUST + INT_MUST
    if kind in ("int", "id"):
        must = TEXT_MUST[:3] + INT_MUST + ((MISSING_ID,) if kind == "id" else ())
        return must, INT_LOOSE
    if kind == "amount":
        return TEXT_MUST[:3] + AMOUNT_MUST, AMOUNT_LOOSE
    if kind == "date":
        return TEXT_MUST[:3] + DATE_MUST, (" ",)
    if kind == "datetime":
        return TEXT_MUST[:3] + tuple(f"{d}T00:00" for d in DATE_MUST), (" ",)
    return TEXT_MUST, (" ", "-0", "1e308")


def post_routes(app):
    return [
        r
        for r in swept_rules(app)
        if "POST" in r.methods and r.endpoint != "stripe_webhook.webhook"
    ]


def test_every_post_route_has_its_fields_found(app):
    """The field discovery below sees the forms of the routes that have them."""
    probed = {r.endpoint for r in post_routes(app) if fields_of(app, r)}
    assert {"work.bulk_assign", "clients.change_accountant", "work.set_dedicated"} <= probed, probed
    assert len(probed) > 40, probed


def test_every_form_field_refuses_hostile_values(app, hostile_firm, sessions):
    wrong, written, probed = [], [], 0
    for rule in post_routes(app):
        fields = fields_of(app, rule)
        if not fields:
            continue
        role, path = role_for(app, rule), path_for(rule)
        baseline = {name: value for name, (_kind, value) in fields.items()}
        before = schemas_fingerprint(app)
        loose = []
        for name, (kind, _value) in fields.items():
            must, maybe = hostile_values(kind)
            loose += [(name, v) for v in maybe]
            for value in must:
                status = send(sessions.get(role), "POST", path, {**baseline, name: value})
                probed += 1
                if is_server_error(status):
                    wrong.append(f"POST {path} {name}={value[:20]!r} -> {status}")
        if schemas_fingerprint(app) != before:
            written.append(f"POST {path} ({role})")
        for name, value in loose:
            status = send(sessions.get(role), "POST", path, {**baseline, name: value})
            probed += 1
            if is_server_error(status):
                wrong.append(f"POST {path} {name}={value[:20]!r} -> {status}")
    assert probed > 500
    assert wrong == [], "\n".join(wrong)
    assert written == [], "refused values wrote rows: " + ", ".join(written)


def test_every_form_derives_from_the_bounded_base_form():
    from yk_saas.forms import Form

    outside = [
        cls.__module__ + "." + cls.__name__
        for group in all_form_classes().values()
        for cls in group
        if cls.__module__.startswith("yk_saas") and not issubclass(cls, Form) and cls is not Form
    ]
    assert outside == []


# --- (d) correctly signed but malformed webhook events -----------------------------------------------


def malformed_events(invoice_id: int) -> list[dict]:
    """Signed events of the shape Stripe sends, each broken in one way."""
    good = {
        "id": "cs_hostile",
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": 30000,
        "currency": "cny",
        "payment_intent": "pi_hostile",
        "metadata": {"yk_firm": "alpha", "kind": "invoice", "invoice_id": str(invoice_id)},
    }
    event = {"object": "event", "type": "checkout.session.completed", "created": 1_760_000_000}
    broken_objects = [
        {**good, "amount_total": "30000"},
        {**good, "amount_total": 10**20},
        {**good, "amount_total": -5},
        {**good, "amount_total": 1e308},
        {**good, "metadata": "alpha"},
        {**good, "metadata": {**good["metadata"], "invoice_id": "99999999999999999999"}},
        {**good, "metadata": {**good["metadata"], "invoice_id": "1e3"}},
        {**good, "id": 12},
        {**good, "payment_intent": ["pi"]},
        {**good, "currency": None, "id": ""},
    ]
    events = [
        {**event, "id": f"evt_hostile_{n}", "data": {"object": obj}}
        for n, obj in enumerate(broken_objects)
    ]
    events += [
        {**event, "id": "evt_hostile_nodata"},
        {**event, "id": "evt_hostile_noobj", "data": {}},
        {**event, "id": "evt_hostile_list", "data": {"object": [good]}},
        {**event, "data": {"object": good}},  # no event id
        {**event, "id": "evt_hostile_created", "created": 10**20, "data": {"object": good}},
        {**event, "id": "evt_hostile_type", "type": 7, "data": {"object": good}},
    ]
    return events


def test_signed_but_malformed_webhook_events_are_400_and_change_nothing(
    app, firm_a, host_client, monkeypatch
):
    import json

    from tenants import tenant_context
    from tests.support.billing import WEBHOOK_SECRET, new_company, new_invoice, sign

    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    with app.app_context(), tenant_context("alpha"):
        invoice_id = new_invoice(new_company(), 30000)
    before = fingerprint(app, "t_alpha"), fingerprint(app, "public")
    client, wrong = host_client(PLATFORM), []
    for event in malformed_events(invoice_id):
        payload = json.dumps(event).encode()
        status = send_raw(client, payload, sign(payload))
        if status != 400:
            wrong.append(f"{json.dumps(event)[:160]} -> {status}")
    assert wrong == [], "\n".join(wrong)
    assert (fingerprint(app, "t_alpha"), fingerprint(app, "public")) == before


def send_raw(client, payload: bytes, signature: str):
    try:
        return client.post(
            "/stripe/webhook",
            data=payload,
            csrf=False,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        ).status_code
    except Exception as exc:  # noqa: BLE001  the app raised
        return f"500 ({type(exc).__name__}: {exc})"
