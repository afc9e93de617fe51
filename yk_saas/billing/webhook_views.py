"""The Stripe webhook endpoint, on the platform domain."""

from flask import Blueprint, current_app, jsonify, request

from yk_saas.access import anyone, require_platform_host
from yk_saas.billing.webhook import WebhookRejected, handle_event, verify_event
from yk_saas.billing.webhook_shape import MalformedEvent, check_event_shape
from yk_saas.extensions import csrf

bp = Blueprint("stripe_webhook", __name__, url_prefix="/stripe")
bp.before_request(require_platform_host)


@bp.route("/webhook", methods=["POST"])
@anyone
@csrf.exempt
def webhook():
    """Only a correctly signed event is applied; anything else is a 400 and changes nothing."""
    try:
        event = verify_event(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            current_app.config.get("STRIPE_WEBHOOK_SECRET", ""),
        )
    except WebhookRejected:
        return jsonify(error="invalid signature"), 400
    try:
        check_event_shape(event)
    except MalformedEvent as exc:
        return jsonify(error=f"malformed event: {exc}"), 400
    return jsonify(outcome=handle_event(event))
