"""The owner's form to claim a domain (also where a refused domain change is shown)."""

from flask_wtf import FlaskForm
from wtforms import StringField


class DomainForm(FlaskForm):
    # The host is checked by the service, which knows the platform's own domains.
    host = StringField()
