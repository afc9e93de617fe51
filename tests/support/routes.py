"""The URL map as the sweeps see it: concrete URLs and each view's access declaration."""

PLATFORM_BLUEPRINTS = {"platform", "operators", "stripe_webhook"}


def fill(rule, value):
    """A concrete URL for a rule, with every argument set to ``value``."""
    args = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        args[name] = value if converter in ("IntegerConverter",) else str(value)
    return rule.build(args, append_unknown=False)[1] if args else rule.rule


def access_of(app, rule):
    return app.view_functions[rule.endpoint]._yk_access


def blueprint_of(rule):
    return rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else ""


def swept_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def allowed_roles(access):
    """The firm roles a declaration lets in; ``None`` means anyone."""
    if access == "anyone":
        return None
    if access.startswith("roles:"):
        return set(access[len("roles:") :].split(","))
    return set()  # platform operators: no firm role at all
