"""Reactions to other features' events (connected in ``yk_saas.billing.init_app``)."""


def invoice_placed_order(sender, item_id, client_company_id, amount_cents, currency, **extra):
    """A paid order gets its one-off invoice, once per work item, in the order's transaction."""
    from yk_saas.billing.credit import check_credit_limit
    from yk_saas.billing.services import invoice_order

    invoice = invoice_order(
        item_id, client_company_id, amount_cents, currency, extra.get("description")
    )
    if invoice is not None:
        check_credit_limit(client_company_id)
