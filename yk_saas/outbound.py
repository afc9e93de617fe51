"""Requests to addresses a firm configured (its SMS/WeChat gateway, and any later webhook).

A firm's URL must never reach the platform's own network. It must be https
and every address its name resolves to must be public: no loopback, private
(RFC 1918, fc00::/7), link-local (169.254/16 with the cloud metadata address,
fe80::/10), CGNAT (100.64/10), unspecified, multicast or reserved address, no
IPv4 of those classes inside IPv6 (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64),
and no ``localhost`` or single-label name. The rule runs when the URL is saved
(``check_public_url``) and again on every send (``post_json``): there the name
is resolved once and the connection goes to the address just checked, with
TLS still verifying the name (SNI and Host stay the name), so a DNS answer
that changes between the check and the connection cannot win. Redirects are
never followed: a 3xx answer is a failed delivery.

``OUTBOUND_ALLOW_HOSTS`` (exact ``host:port`` entries, empty by default)
exempts a listener from the rule, http included: for tests and local
development only; a production start-up refuses it.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

TIMEOUT_SECONDS = 10
MAX_URL_LENGTH = 500
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# ipaddress's own tables differ between Python releases: these are refused whatever they say.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")

REFUSALS = {
    "invalid": _l("Enter a full address like https://gateway.example.com/yk."),
    "https": _l("Use an https:// address."),
    "private": _l("This address leads to a private or local network. Use a public address."),
    "unresolved": _l("This address's host name could not be found."),
}


class OutboundRefused(ValueError):
    """A URL the rule refuses; ``code`` keys ``REFUSALS``, the text the user sees."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code

    @property
    def message(self) -> str:
        return str(REFUSALS[self.code])


class OutboundError(RuntimeError):
    """The receiver could not be reached or did not accept the request (worth a retry)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a connection to ``address`` leaves the platform's networks for the internet."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if (
        ip.version == 6
        and (inner := embedded_ipv4(ip)) is not None
        and not is_public_address(inner)
    ):
        return False
    if any(ip in net for net in BLOCKED_NETWORKS if net.version == ip.version):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def allowed_hosts() -> set[str]:
    """``host:port`` entries exempt from the rule (tests and local development only)."""
    value = current_app.config.get("OUTBOUND_ALLOW_HOSTS") or ()
    entries = value.split(",") if isinstance(value, str) else value
    return {entry.strip().lower() for entry in entries if entry.strip()}


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address ``host`` resolves to, once (the ones the connection will use)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundRefused("unresolved", host) from exc
    return tuple(dict.fromkeys(info[4][0] for info in infos))


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def public_addresses(host: str, port: int) -> tuple[str, ...]:
    """The host's addresses, refused unless each of them is public."""
    name = host.rstrip(".")
    if (
        name in LOCAL_NAMES
        or name.endswith(".localhost")
        or ("." not in name and not is_ip_literal(name))
    ):
        raise OutboundRefused("private", host)
    addresses = resolve(host, port)
    refused = [a for a in addresses if not is_public_address(a)]
    if refused or not addresses:
        raise OutboundRefused("private", f"{host} → {', '.join(refused)}")
    return addresses


def parse_url(url: str):
    """(parts, port) of a well-formed absolute URL without credentials, else refused."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        raise OutboundRefused("invalid")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused("invalid") from exc
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
    ):
        raise OutboundRefused("https" if parts.hostname and parts.scheme != "https" else "invalid")
    return parts, port or (443 if parts.scheme == "https" else 80)


def check_public_url(url: str) -> Target:
    """Check ``url`` against the rule (at save, and before every send); returns where to connect."""
    parts, port = parse_url(url)
    host = parts.hostname
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if f"{host}:{port}" in allowed_hosts():
        return Target(parts.scheme, host, port, path, resolve(host, port))
    if parts.scheme != "https":
        raise OutboundRefused("https")
    return Target(parts.scheme, host, port, path, public_addresses(host, port))


def connect_first(addresses: tuple[str, ...], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address")


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address (only for an ``OUTBOUND_ALLOW_HOSTS`` listener)."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.addresses = target.addresses

    def connect(self):
        self.sock = connect_first(self.addresses, self.port, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is verified against the host name."""

    def __init__(self, target: Target, timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.addresses = target.addresses

    def connect(self):
        sock = connect_first(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def open_connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return PinnedHTTPSConnection(target, timeout)
    return PinnedHTTPConnection(target, timeout)


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    platform_url: bool = False,
    timeout: float = TIMEOUT_SECONDS,
) -> int:
    """POST ``body`` (JSON) to ``url``; returns the 2xx status.

    Raises ``OutboundRefused`` when a firm's URL breaks the rule (no retry will
    help) and ``OutboundError`` when the receiver is unreachable or answers
    anything but 2xx (redirects included). ``platform_url=True`` is for an
    address from the platform's own settings (never a firm's): it may be
    internal, but redirects are still not followed.
    """
    try:
        target = resolved_target(url) if platform_url else check_public_url(url)
    except OutboundRefused as exc:
        if exc.code == "unresolved":  # DNS may be down for a moment: retry later
            raise OutboundError(f"host not found: {exc}") from exc
        raise
    connection = open_connection(target, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8", **headers},
        )
        response = connection.getresponse()
        response.read(65536)
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundError(f"unreachable: {exc}") from exc
    finally:
        connection.close()
    if not 200 <= status < 300:
        redirect = " (redirects are not followed)" if 300 <= status < 400 else ""
        raise OutboundError(f"answered {status}{redirect}")
    return status


def resolved_target(url: str) -> Target:
    """A platform setting's URL, resolved once, without the public-address rule."""
    parts, port = parse_url(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, resolve(parts.hostname, port))
