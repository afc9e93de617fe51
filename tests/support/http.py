"""The HTTP test client of the firm and platform hosts."""

import re

from tests.support import PASSWORD


class HostClient:
    """A test client that talks to one host and sends the CSRF token like a browser."""

    def __init__(self, app, host: str):
        self.app, self.host = app, host
        self.client = app.test_client()
        self._csrf = None

    @property
    def base_url(self):
        return f"http://{self.host}"

    def get(self, path, **kw):
        return self.client.get(path, base_url=self.base_url, **kw)

    def csrf_token(self) -> str:
        if self._csrf is None:
            html = self.get("/").get_data(as_text=True)
            self._csrf = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
        return self._csrf

    def post(self, path, data=None, csrf=True, headers=None, **kw):
        headers = dict(headers or {})
        if csrf:
            headers["X-CSRFToken"] = self.csrf_token()
        return self.client.post(
            path, base_url=self.base_url, data=data or {}, headers=headers, **kw
        )

    def login(self, email, password=PASSWORD):
        self._csrf = None
        response = self.post("/login", {"email": email, "password": password})
        self._csrf = None
        return response

    def cookie(self, name="yk_session"):
        cookie = self.client.get_cookie(name, domain=self.host)
        return cookie.value if cookie else None

    def set_cookie(self, value, name="yk_session"):
        self.client.set_cookie(name, value, domain=self.host)
        self._csrf = None
