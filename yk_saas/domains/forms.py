"""The owner's form to claim a domain (also where a refused domain change is shown)."""

from wtforms import StringField

from yk_saas.forms import Form


class DomainForm(Form):
    # The host is checked by the service, which knows the platform's own domains.
    host = StringField()
