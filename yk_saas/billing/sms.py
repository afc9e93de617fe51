"""The SMS channel of reminders: a webhook adapter.

SMS gateways in China (Aliyun, Tencent Cloud) differ in their APIs and need
signed templates, so the product posts ``{"to", "text", "firm"}`` as JSON to
``SMS_WEBHOOK_URL``, where a small adapter of the operator's choice sends it.
Without that setting the channel is off. The address is the platform's own
setting, never a firm's, so it may be an internal adapter; redirects are not followed.
"""

import json

from flask import current_app
from rq import Retry

from tenants import current_tenant
from tenants.jobs import tenant_job


def sms_available() -> bool:
    return bool(current_app.config.get("SMS_WEBHOOK_URL"))


@tenant_job
def send_sms(phone: str, text: str) -> int:
    """Post one message to the SMS webhook; an HTTP error raises, so the job is retried."""
    from yk_saas.outbound import post_json

    body = json.dumps({"to": phone, "text": text, "firm": current_tenant().slug}).encode()
    return post_json(current_app.config["SMS_WEBHOOK_URL"], body, {}, platform_url=True)


def queue_sms(phone: str, text: str) -> None:
    """Send an SMS once the current transaction commits."""
    from yk_saas.jobs import enqueue_after_commit

    enqueue_after_commit(
        "high",
        send_sms,
        current_tenant().slug,
        phone,
        text[:300],
        retry=Retry(max=3, interval=[30, 300, 1800]),
    )
