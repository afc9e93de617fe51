"""Money forms. Amounts are typed as text and parsed to integer minor units."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from yk_saas.forms import DateWindow, Form
from yk_saas.money import AmountError, parse_amount


class AmountField(StringField):
    """Text such as ``1,280.50`` that becomes integer minor units in ``.minor``."""

    minor: int | None = None

    def pre_validate(self, form):
        self.minor = None
        if not (self.data or "").strip():
            if self.flags.required:
                raise StopValidation(_l("Enter an amount such as 1280.50."))
            return
        try:
            self.minor = parse_amount(self.data, getattr(form, "currency_code", "CNY"))
        except AmountError as exc:
            raise ValidationError(_l("Enter an amount such as 1280.50.")) from exc


INTERVALS = [("monthly", _l("Monthly")), ("quarterly", _l("Quarterly")), ("yearly", _l("Yearly"))]
METHODS = [("bank_transfer", _l("Bank transfer")), ("cash", _l("Cash")), ("other", _l("Other"))]


class ContractForm(Form):
    company_id = SelectField(_l("Client company"), coerce=int, validators=[InputRequired()])
    plan = StringField(_l("Service plan"), validators=[InputRequired(), Length(max=120)])
    interval = SelectField(_l("Billed"), choices=INTERVALS)
    fee = AmountField(_l("Fee per period"), validators=[InputRequired()])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(), DateWindow(10, 2)])
    ends_on = DateField(_l("Ends on"), validators=[Optional(), DateWindow(10, 10)])
    billing_day = IntegerField(
        _l("Billing day of the month"), default=1, validators=[InputRequired(), NumberRange(1, 28)]
    )
    payment_terms_days = IntegerField(
        _l("Days to pay"), default=15, validators=[InputRequired(), NumberRange(0, 120)]
    )
    bill_past = BooleanField(
        _l(
            "Bill past periods, even if their invoices are overdue at once (only the latest, "
            "as many as the billing settings allow; earlier periods are not billed)"
        )
    )


class PaymentForm(Form):
    amount = AmountField(_l("Amount received"), validators=[InputRequired()])
    method = SelectField(_l("Method"), choices=METHODS)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)])
    received_on = DateField(_l("Received on"), validators=[InputRequired(), DateWindow(5, 1)])


class CreditNoteForm(Form):
    amount = AmountField(_l("Credit amount"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(max=300)])


class CreditLimitForm(Form):
    limit = AmountField(_l("Credit limit (empty: none)"))


class BillingSettingsForm(Form):
    invoice_prefix = StringField(
        _l("Invoice number prefix"), validators=[InputRequired(), Length(min=1, max=8)]
    )
    late_fee_kind = SelectField(
        _l("Late fee"),
        choices=[
            ("none", _l("None")),
            ("fixed", _l("Fixed amount")),
            ("percent", _l("Percent of balance")),
        ],
    )
    late_fee_value = IntegerField(
        _l("Late fee value (minor units, or basis points for percent)"),
        default=0,
        validators=[NumberRange(0, 10_000_000)],
    )
    reminder_cooldown_hours = IntegerField(
        _l("Hours between manual reminders"), default=24, validators=[NumberRange(0, 720)]
    )
    quiet_start_hour = IntegerField(_l("Quiet hours start"), validators=[NumberRange(0, 23)])
    quiet_end_hour = IntegerField(_l("Quiet hours end"), validators=[NumberRange(0, 23)])
    sms_enabled = BooleanField(_l("Also send reminders by SMS"))
    backfill_periods = IntegerField(
        _l("Past periods a billing run invoices at most per contract"),
        default=3,
        validators=[InputRequired(), NumberRange(1, 36)],
    )
    bank_account_name = StringField(
        _l("Account name (户名)"), validators=[Optional(), Length(max=120)]
    )
    bank_name = StringField(_l("Bank (开户行)"), validators=[Optional(), Length(max=120)])
    bank_branch = StringField(_l("Branch (支行)"), validators=[Optional(), Length(max=120)])
    bank_account_number = StringField(
        _l("Account number (账号)"), validators=[Optional(), Length(max=40)]
    )
    stripe_account_id = StringField(
        _l("Stripe connected account (acct_…)"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(
                r"^\s*acct_[A-Za-z0-9]+\s*$",
                message=_l("A Stripe account id looks like acct_1AbC…"),
            ),
        ],
    )


def known_variables_only(_form, field):
    """Only the reminder's own ``{variables}``: an unknown one would reach the client as typed."""
    from yk_saas.billing.dunning import VARIABLES

    unknown = sorted(set(re.findall(r"\{([^{}]*)\}", field.data or "")) - set(VARIABLES))
    if unknown:
        raise ValidationError(
            _(
                "Unknown variable %(names)s. You can use %(known)s.",
                names=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in VARIABLES),
            )
        )


class TemplateForm(Form):
    subject = StringField(
        _l("Subject"), validators=[InputRequired(), Length(max=200), known_variables_only]
    )
    body = TextAreaField(
        _l("Body"), validators=[InputRequired(), Length(max=4000), known_variables_only]
    )


def merchant_form(channel, data=None):
    """The settings form of one payment provider; its fields are named ``<provider>-<field>``.

    Secret fields are never filled from what is stored: typing one replaces it, blank keeps it.
    """
    from yk_saas.billing.merchant import MAX_SECRET

    attrs = {
        spec.name: StringField(spec.label, validators=[Optional(), Length(max=64)])
        for spec in channel.fields
    }
    attrs.update(
        {
            spec.name: TextAreaField(spec.label, validators=[Optional(), Length(max=MAX_SECRET)])
            for spec in channel.secrets
        }
    )
    form_class = type(f"MerchantForm_{channel.name}", (Form,), attrs)
    form = form_class(data=data, prefix=channel.name)
    form.channel = channel
    return form


class BankTransferForm(Form):
    amount = AmountField(_l("Amount received"), validators=[InputRequired()])
    received_on = DateField(_l("Received on"), validators=[InputRequired(), DateWindow(5, 1)])
    reference = StringField(
        _l("Note on the bank statement"), validators=[Optional(), Length(max=120)]
    )


class FapiaoRequestForm(Form):
    title = StringField(_l("Title (抬头)"), validators=[InputRequired(), Length(max=200)])
    taxpayer_id = StringField(
        _l("Taxpayer id (统一社会信用代码)"), validators=[InputRequired(), Length(max=40)]
    )
    kind = SelectField(
        _l("Kind"),
        choices=[("ordinary", _l("Ordinary (普通发票)")), ("special", _l("Special (专用发票)"))],
    )
    email = StringField(_l("E-mail for the fapiao"), validators=[InputRequired(), Length(max=254)])


class FapiaoIssueForm(Form):
    fapiao_number = StringField(_l("Fapiao number"), validators=[InputRequired(), Length(max=40)])
    document = FileField(_l("Issued fapiao (PDF, OFD or XML)"))


class RefundRequestForm(Form):
    reason = TextAreaField(
        _l("Why do you ask for a refund?"), validators=[InputRequired(), Length(max=4000)]
    )
    evidence = FileField(_l("Evidence (optional)"))


class RefundStepForm(Form):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])
    amount = AmountField(_l("Amount"))
    evidence = FileField(_l("File (optional)"))
    #: The payout of an executed refund (offline: the service requires all three).
    method = SelectField(
        _l("Paid back by"),
        choices=[("", "—")] + [(k, v) for k, v in METHODS],
        validators=[Optional()],
    )
    paid_on = DateField(_l("Paid back on"), validators=[Optional(), DateWindow(1, 0)])
    reference = StringField(
        _l("Reference (such as the bank transfer number)"), validators=[Optional(), Length(max=120)]
    )
