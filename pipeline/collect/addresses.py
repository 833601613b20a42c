"""Which destinations the fetcher may reach: public http(s) addresses only.

Every spelling of a host is reduced to the addresses it really resolves to (decimal, octal and hex
IPv4, short forms like ``127.1``, IPv6 in brackets, IPv4-mapped and other embedded IPv4, trailing
dots) and each address is checked; the fetcher then connects to the checked address only.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from pipeline.errors import AddressNotAllowed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SHARED_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string spells directly (any IPv4 spelling inet_aton accepts), or None."""
    text = host.strip().rstrip(".").strip("[]")
    if "%" in text:  # IPv6 zone id: link-local by nature
        text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if text and all(c in "0123456789abcdefxABCDEFX." for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # IPv4-compatible (deprecated) ::a.b.c.d
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_loopback_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return inner.is_loopback
    return address.is_loopback


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_public_address(inner)
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_CGNAT:
        return False
    return bool(
        address.is_global
        and not address.is_private
        and not address.is_loopback
        and not address.is_link_local
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    )


LOOPBACK_ONLY = "only loopback may be fetched (loopback_only setting)"


def check_address(
    address: IPAddress, *, allow_loopback: bool = False, loopback_only: bool = False,
    url: str | None = None,
) -> None:
    """Raise :class:`AddressNotAllowed` unless the address is public (or loopback when
    allowed); with ``loopback_only``, unless it is loopback."""
    if loopback_only:
        if is_loopback_address(address):
            return
        raise AddressNotAllowed(f"address not allowed: {address}: {LOOPBACK_ONLY}", url=url)
    if is_public_address(address):
        return
    if allow_loopback and is_loopback_address(address):
        return
    raise AddressNotAllowed(f"address not allowed: {address}", url=url)


def check_host_name(host: str, url: str | None = None) -> None:
    """Refuse host names no resolver accepts (empty or overlong labels, bad punycode), with
    one clear line instead of a codec error from deep in the connection code."""
    name = host.rstrip(".")
    labels = name.split(".")
    if not name or len(name) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        raise AddressNotAllowed(f"address not allowed: invalid host name {host[:80]!r}",
                                url=url)
    try:
        name.encode("idna")
    except UnicodeError:
        raise AddressNotAllowed(f"address not allowed: invalid host name {host[:80]!r}",
                                url=url) from None


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name in ("localhost", "localhost.localdomain") or name.endswith(".localhost")


def check_url(url: str, *, allow_loopback: bool = False, loopback_only: bool = False
              ) -> SplitResult:
    """Refuse non-http(s) schemes, credentials, missing hosts and literal non-public addresses
    (with ``loopback_only``: anything but loopback, host names other than ``localhost``
    included, so that no name is even looked up).

    Host names are checked again, after resolution, right before connecting.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise AddressNotAllowed(f"address not allowed: malformed URL ({error})", url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise AddressNotAllowed(
            f"address not allowed: scheme {scheme or '(none)'!r} (only http and https)", url=url
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise AddressNotAllowed("address not allowed: credentials in URL", url=url)
    host = parts.hostname
    if not host:
        raise AddressNotAllowed("address not allowed: no host", url=url)
    if port == 0:
        raise AddressNotAllowed("address not allowed: port 0", url=url)
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(literal, allow_loopback=allow_loopback, loopback_only=loopback_only,
                      url=url)
        return parts
    check_host_name(host, url)
    if loopback_only and not _is_localhost_name(host):
        raise AddressNotAllowed(f"address not allowed: {host[:80]}: {LOOPBACK_ONLY}", url=url)
    if _is_localhost_name(host) and not (allow_loopback or loopback_only):
        raise AddressNotAllowed(f"address not allowed: {host}", url=url)
    return parts
