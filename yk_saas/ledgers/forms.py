from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from yk_saas.forms import DateWindow, Form

FIGURE_LABELS = {
    "revenue": _l("Revenue"),
    "costs": _l("Costs"),
    "profit": _l("Profit"),
    "vat": _l("VAT"),
    "income_tax": _l("Income tax"),
    "cash_balance": _l("Cash balance"),
}
TAX_LABELS = {
    "vat": _l("VAT"),
    "income_tax": _l("Corporate income tax"),
    "individual_tax": _l("Individual income tax (withheld)"),
    "surcharges": _l("Surcharges"),
    "stamp_duty": _l("Stamp duty"),
}
FILING_LABELS = {"not_filed": _l("Not filed"), "filed": _l("Filed"), "paid": _l("Paid")}


class PeriodForm(Form):
    period = StringField(_l("Month (YYYY-MM)"), validators=[InputRequired(), Length(min=7, max=7)])


class FiguresForm(Form):
    revenue = StringField(_l("Revenue"), validators=[Optional(), Length(max=24)])
    costs = StringField(_l("Costs"), validators=[Optional(), Length(max=24)])
    profit = StringField(_l("Profit"), validators=[Optional(), Length(max=24)])
    vat = StringField(_l("VAT"), validators=[Optional(), Length(max=24)])
    income_tax = StringField(_l("Income tax"), validators=[Optional(), Length(max=24)])
    cash_balance = StringField(_l("Cash balance"), validators=[Optional(), Length(max=24)])
    note = TextAreaField(_l("Note for the client"), validators=[Optional(), Length(max=2000)])


class FilingForm(Form):
    tax = SelectField(_l("Tax"), choices=list(TAX_LABELS.items()))
    status = SelectField(_l("Status"), choices=list(FILING_LABELS.items()))
    on = DateField(_l("Date"), validators=[Optional(), DateWindow(10, 1)])


class FileForm(Form):
    file = FileField(_l("Books or report (PDF, XLSX, image)"))
