"""The audit log in words: what each recorded action and target is called.

Every action a feature records has its words here (``tests/test_audit_log.py`` fails on one
without), so that the log and its filter read as sentences, not as codes.
"""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    # people and sign-in
    "sign_in": _l("Sign-in"),
    "sign_in_failed": _l("Sign-in failed"),
    "support_sign_in": _l("Platform support signed in"),
    "session_ended": _l("Signed out a session"),
    "sessions_ended": _l("Signed out every other session"),
    "password_changed": _l("Changed the password"),
    "password_reset_sent": _l("Password reset link sent"),
    "password_reset": _l("Reset the password"),
    "two_factor_on": _l("Turned two-factor sign-in on"),
    "two_factor_off": _l("Turned two-factor sign-in off"),
    "two_factor_reset": _l("Reset someone's two-factor sign-in"),
    "invitation_sent": _l("Invited someone"),
    "invitation_revoked": _l("Withdrew an invitation"),
    "role_changed": _l("Changed someone's role"),
    "user_disabled": _l("Disabled an account"),
    "user_enabled": _l("Enabled an account"),
    # the firm
    "firm_settings_changed": _l("Changed the firm's settings"),
    "firm_suspended": _l("The platform suspended the firm"),
    "firm_resumed": _l("The platform resumed the firm"),
    "firm_export_started": _l("Started a firm export"),
    "firm_export_downloaded": _l("Downloaded a firm export"),
    "platform_subscription_changed": _l("The firm's subscription changed"),
    "notification_gateway_changed": _l("Changed the message gateway"),
    "audit_exported": _l("Exported the audit log"),
    "domain_added": _l("Added a domain"),
    "domain_verified": _l("Verified a domain"),
    "domain_primary": _l("Made a domain the main one"),
    "domain_removed": _l("Removed a domain"),
    "branding_changed": _l("Changed the branding"),
    "site_published": _l("Published the home page"),
    "site_item_deleted": _l("Deleted a part of the home page"),
    "catalog_category_deleted": _l("Deleted a service category"),
    # clients
    "client_updated": _l("Changed a client's details"),
    "client_status": _l("Changed a client's status"),
    "clients_imported": _l("Imported clients"),
    "clients_exported": _l("Exported clients"),
    "dedicated_accountant_changed": _l("Changed a client's dedicated accountant"),
    "credit_limit_set": _l("Set a credit limit"),
    "credit_limit_crossed": _l("A client crossed its credit limit"),
    # money
    "billing_settings_changed": _l("Changed the billing settings"),
    "billing_run": _l("Ran billing"),
    "contract_created": _l("Created a contract"),
    "invoice_created": _l("Raised an invoice"),
    "payment_recorded": _l("Recorded a payment"),
    "online_payment_unapplied": _l("An online payment could not be applied"),
    "credit_note_issued": _l("Issued a credit note"),
    "bank_transfer_matched": _l("Matched a bank transfer to invoices"),
    "merchant_settings_changed": _l("Changed a payment provider's merchant settings"),
    "fapiao_requested": _l("Fapiao requested"),
    "fapiao_issued": _l("Fapiao issued"),
    "fapiao_reversed": _l("Fapiao reversed (红冲)"),
    "fapiao_lowered": _l("Fapiao request lowered or cancelled after a refund"),
    "reminder_sent": _l("Sent a payment reminder"),
    "reminder_template_changed": _l("Changed the reminder wording"),
    "receivables_exported": _l("Exported receivables"),
    "refund_request": _l("Refund requested"),
    "refund_ask_info": _l("Refund: more information asked"),
    "refund_add_info": _l("Refund: information added"),
    "refund_propose": _l("Refund: amount proposed"),
    "refund_accept": _l("Refund: proposal accepted"),
    "refund_dispute": _l("Refund: proposal disputed"),
    "refund_execute": _l("Refund paid out"),
    "refund_close": _l("Refund closed"),
    # work and feedback
    "work_settings_changed": _l("Changed the work settings"),
    "work_assigned": _l("Assigned an order"),
    "order_approved": _l("Approved an order"),
    "order_rejected": _l("Rejected an order"),
    "complaint_new": _l("Reopened a complaint"),
    "complaint_investigating": _l("Started investigating a complaint"),
    "complaint_resolved": _l("Resolved a complaint"),
    "complaint_rejected": _l("Rejected a complaint"),
}

TARGET_LABELS = {
    "user": _l("Person"),
    "invitation": _l("Invitation"),
    "firm": _l("Firm"),
    "audit_log": _l("Audit log"),
    "domain": _l("Domain"),
    "site_publication": _l("Home page"),
    "slide": _l("Slide"),
    "menu": _l("Menu item"),
    "section": _l("Section"),
    "page": _l("Page"),
    "announcement": _l("Announcement"),
    "catalog_category": _l("Service category"),
    "client_company": _l("Client"),
    "company": _l("Client"),
    "contract": _l("Contract"),
    "invoice": _l("Invoice"),
    "refund": _l("Refund"),
    "reminder_template": _l("Reminder wording"),
    "merchant_settings": _l("Merchant settings"),
    "notification_webhook": _l("Message gateway"),
    "work_item": _l("Order"),
    "work_settings": _l("Work settings"),
    "complaint": _l("Complaint"),
}

DETAIL_LABELS = {
    "email": _l("E-mail"),
    "count": _l("How many"),
    "before": _l("Before"),
    "after": _l("After"),
    "token": _l("Export"),
    "label": _l("Name or title"),
    "amount": _l("Amount"),
    "reason": _l("Reason"),
    "filter_action": _l("Action filter"),
    "filter_actor": _l("Who filter"),
    "date_from": _l("From date"),
    "date_to": _l("To date"),
    "host": _l("Host"),
    "status": _l("Status"),
    "rows": _l("Rows"),
    "created": _l("Rows created"),
    "operator": _l("Platform operator"),
    "provider": _l("Payment provider"),
    "secrets_changed": _l("Secrets replaced"),
    "fapiao_number": _l("Fapiao number"),
    "bank_account": _l("Bank account"),
}


def action_label(action: str) -> str:
    """The action in words (the code itself for one recorded by an older release)."""
    return str(ACTION_LABELS.get(action, action))


def target_label(target_type: str | None) -> str:
    return str(TARGET_LABELS.get(target_type, target_type or ""))


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def action_choices() -> list[tuple[str, str]]:
    """(action, words) for the filter, in the order of the words."""
    return sorted(((a, str(label)) for a, label in ACTION_LABELS.items()), key=lambda c: c[1])
