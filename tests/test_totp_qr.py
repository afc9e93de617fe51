"""The TOTP set-up shows a QR code drawn on the server, which the page's CSP lets the browser show."""

import html
import re
from urllib.parse import unquote

import pyotp
import segno


def test_totp_setup_shows_a_qr_code_of_the_key(firm_a, signed_in):
    client = signed_in(firm_a, "accountant")
    response = client.get("/account/two-factor")
    page = response.get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    image = html.unescape(re.search(r'<img class="totp-qr" src="([^"]+)"', page).group(1))
    assert image.startswith("data:image/svg+xml")
    svg = unquote(image.split(",", 1)[1])
    assert svg.lstrip().startswith("<svg") or "<svg" in svg[:200]
    assert "<script" not in svg
    # The code is the provisioning URI of the key shown beside it, for this person and firm.
    uri = pyotp.TOTP(secret).provisioning_uri(name=firm_a["accountant"], issuer_name="Alpha Firm")
    assert image == segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    # The same key while setting up: a reload shows the same code.
    assert image in html.unescape(client.get("/account/two-factor").get_data(as_text=True))
