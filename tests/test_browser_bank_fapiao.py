"""In a real headless Chromium: the firm gives its bank account, the client sees it with the
invoice's payment reference, staff match the transfer found by that reference, the client asks
for a fapiao, staff attach the issued file and the client downloads it."""

import re

import pytest

from tests.support.billing import new_invoice
from tests.support.browser import screenshot
from tests.support.firms import provision_firm
from tests.support.work import firm as in_firm
from tests.test_browser_billing import sign_in

pytestmark = pytest.mark.browser

FAPIAO_PDF = b"%PDF-1.4\n% issued fapiao\n"


@pytest.fixture(scope="module")
def bank_firm(app):
    return provision_firm(app, "bankweb", "BW")


def test_client_pays_by_transfer_and_gets_a_fapiao(app, server, bank_firm, browser, tmp_path):
    from tenants import db
    from yk_saas.billing import bank
    from yk_saas.billing.models import Invoice

    base = f"http://{bank_firm['host']}:{server}"
    admin = sign_in(browser, base, bank_firm["admin"])
    admin.goto(f"{base}/desk/admin/billing/settings")
    admin.fill("#bank_account_name", "上海博文财税有限公司")
    admin.fill("#bank_name", "中国工商银行")
    admin.fill("#bank_branch", "上海静安支行")
    admin.fill("#bank_account_number", "1001 2345 6789 0123 456")
    admin.click("#settings-form button[type=submit]")
    admin.wait_for_selector(".flash-success")
    # No MERCHANT_SECRETS_KEY here: the page says secrets cannot be stored.
    assert admin.is_visible("#no-secret-key")
    screenshot(admin, "billing-settings-bank")

    with in_firm(app, bank_firm["slug"]):
        invoice_id = new_invoice(bank_firm["ids"]["company_x"], 128050)
        reference = bank.payment_reference(db.session.get(Invoice, invoice_id).number)

    client = sign_in(browser, base, bank_firm["client_x"])
    client.goto(f"{base}/portal/billing/invoices/{invoice_id}")
    details = client.inner_text("#bank-details")
    for text in ("上海博文财税有限公司", "中国工商银行 上海静安支行", "1001 2345 6789 0123 456"):
        assert text in details
    assert client.inner_text("#payment-reference") == reference
    # The firm's people read Chinese (the firm's language).
    assert "尚未开通在线支付：请通过银行转账付款" in client.inner_text("#pay-offline")
    assert "账单付清后即可申请发票。" in client.inner_text("#fapiao")
    screenshot(client, "bank-transfer-details")

    # The transfer arrives quoting the reference: staff find the invoice by it.
    admin.goto(f"{base}/desk/billing/transfers")
    admin.fill("#find-reference", f"货款 {reference}")
    admin.click("#transfer-find button[type=submit]")
    assert admin.is_checked(f"#pick-{invoice_id}")
    admin.fill("#amount", "1280.50")
    admin.click("#transfer-form button[type=submit]")
    admin.wait_for_selector(".flash-success")
    assert "RC-" in admin.inner_text(".flash-success")

    client.reload()
    client.fill("#title", "上海某某科技有限公司")
    client.fill("#taxpayer_id", "91310115MA1K3YJ00X")  # mistyped check character
    client.select_option("#kind", "special")
    client.fill("#email", "finance@example.com")
    client.click("#fapiao-form button[type=submit]")
    assert "校验位不正确" in client.inner_text("#fapiao-form")
    client.fill("#taxpayer_id", "91310115MA1K3YJ009")
    client.click("#fapiao-form button[type=submit]")
    client.wait_for_selector(".flash-success")
    assert "已申请" in client.inner_text("#fapiao")

    admin.goto(f"{base}/desk/billing/fapiao")
    admin.click("#fapiao-queue td a")
    admin.fill("#fapiao_number", "24312000000012345678")
    upload = tmp_path / "fapiao.pdf"
    upload.write_bytes(FAPIAO_PDF)
    admin.set_input_files("#document", str(upload))
    admin.click("#fapiao-issue-form button[type=submit]")
    admin.wait_for_selector(".flash-success")
    screenshot(admin, "fapiao-queue")

    client.reload()
    assert "24312000000012345678" in client.inner_text("#fapiao")
    with client.expect_download() as download:
        client.click("#fapiao a[id^=fapiao-download]")
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == FAPIAO_PDF
    assert re.search(r"fapiao", download.value.suggested_filename)
    screenshot(client, "fapiao-issued")
