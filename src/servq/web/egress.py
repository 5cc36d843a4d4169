"""Requests the server makes to addresses an administrator gave (webhooks): only to the
public internet, so that an endpoint cannot make the server reach what sits beside it
(server-side request forgery: a cloud's metadata service at 169.254.169.254, the database
on the loopback, the internal network), unless those networks are allowed
(``SERVQ_WEBHOOK_NETWORKS``).

An endpoint's host is checked when it is added if it is an address, and every time a
request is made: its name is resolved then, every address it resolves to must be allowed,
and the connection goes to an address so checked (a name that resolves to a public address
when checked and to an internal one a moment later gets nowhere). Redirects are not
followed and proxies from the environment are not used (either would lead elsewhere).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from functools import partial

from ..errors import UsageError
from .languages import Msg

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCAL_NAMES = ("localhost", "localhost.localdomain")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(OSError):
    """A request to an address outside the public internet that was not allowed."""


def networks(allowed: list[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def allowed_address(address: str, allowed: tuple[Network, ...]) -> bool:
    """Whether a request may go to ``address``: a public (global unicast) address, or one
    in ``allowed``. An IPv4 address inside an IPv6 one (``::ffff:127.0.0.1``, 6to4) is
    judged as that IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in net for net in allowed):
        return True
    inner = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if ip in NAT64:  # the well-known prefix of NAT64: an IPv4 address in its last 32 bits
        inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if inner is not None:
        return allowed_address(str(inner), allowed)
    return ip.is_global and not ip.is_multicast


def check_host(host: str, allowed: tuple[Network, ...]) -> None:
    """Refuse (:class:`UsageError`) a host that is an address outside the public internet
    (and not allowed) or names the machine itself; a name is checked when it is used."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.rstrip(".").lower()
        if (name in LOCAL_NAMES or name.endswith(".localhost")) and not allowed_address("127.0.0.1", allowed):
            raise UsageError(Msg("webhooks.msg.private", host=host)) from None
        return
    if not allowed_address(str(ip), allowed):
        raise UsageError(Msg("webhooks.msg.private", host=host))


def _connect(address: tuple[str, int], timeout=None, source_address=None, *,
             allowed: tuple[Network, ...]) -> socket.socket:
    """``socket.create_connection`` to ``address`` after checking every address its host
    resolves to; the connection goes to one of those addresses."""
    host, port = address
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    refused = sorted({info[4][0] for info in found if not allowed_address(info[4][0], allowed)})
    if refused:
        raise Refused(f"{host} is {refused[0]}, an address outside the public internet "
                      "(allow its network with SERVQ_WEBHOOK_NETWORKS)")
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in found:
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):  # else socket's default
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"{host} has no address")


def _guarded(connection_class, allowed: tuple[Network, ...]):
    def make(*args, **kwargs):
        connection = connection_class(*args, **kwargs)
        connection._create_connection = partial(_connect, allowed=allowed)  # http.client's hook for connecting
        return connection
    return make


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer, not followed (a POST must not turn into a GET)
        return None


def opener(allowed: tuple[Network, ...]) -> urllib.request.OpenerDirector:
    """A urllib opener that connects only to allowed addresses (see the module)."""
    class Http(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_guarded(http.client.HTTPConnection, allowed), req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_guarded(http.client.HTTPSConnection, allowed), req, context=self._context)

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect, Http, Https)
