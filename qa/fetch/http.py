"""Fetching one address, within limits, and never into the fetching machine's own network.

Built on the standard library's http.client so that every limit is ours to set:
- each hop's host is resolved here, every address it resolves to is checked (a private, loopback or
  link-local one refuses the page unless `Limits.allow_private`), and the connection goes to an address
  that was checked, so a name that changes its answer between the check and the connect (DNS
  rebinding) cannot slip through;
- redirects are followed by hand, each hop checked the same way, at most `max_redirects`;
- one deadline covers the whole fetch (name lookups, connects, redirects, a body sent a byte at a time);
- the body is read in pieces and cut at `max_bytes`: a 10 MB page costs at most the limit, and a
  compressed body is inflated only up to the limit too.
Proxies from the environment are not used: a proxy would fetch from wherever it stands.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import FetchError
from ..version import __version__
from .urls import ascii_host, check_url

MB = 1024 * 1024
# Defaults (Config.fetch_timeout and Config.fetch_max_mb set the first two): a news page is well
# under 5 MB with its markup (images are not fetched), and a server that has not sent it in 20 s
# is not going to; five redirects cover http→https→www→canonical with room to spare.
TIMEOUT_S = 20.0
MAX_MB = 5
MAX_REDIRECTS = 5
_READ_BYTES = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = f"qa-assistant/{__version__} (fetches an article when its reader asks)"
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"
PRIVATE_HINT = "set QA_ALLOW_PRIVATE_URLS=1 to allow addresses of your own network"


@dataclass(frozen=True)
class Limits:
    """What one fetch may cost, and whether it may reach private addresses."""

    timeout: float = TIMEOUT_S  # seconds for the whole fetch, redirects included
    max_bytes: int = MAX_MB * MB
    max_redirects: int = MAX_REDIRECTS
    allow_private: bool = False


@dataclass(frozen=True)
class Response:
    """A page as it arrived: the address it came from after redirects, its type and its bytes."""

    url: str  # the final address (after redirects)
    status: int
    content_type: str  # lower case, without parameters ("text/html"); "" when the server sent none
    charset: str  # the charset parameter of Content-Type, "" if none
    body: bytes


def fetch(url: str, limits: Limits = Limits()) -> Response:
    """GET `url`, following redirects; FetchError (naming `url` as given) when it cannot be had within `limits`."""
    deadline = time.monotonic() + limits.timeout
    current = check_url(url)
    for _hop in range(limits.max_redirects + 1):
        response, location = _get(url, current, limits, deadline)
        if location is None:
            assert response is not None  # _get gives a response or a redirect's Location
            return response
        target = urljoin(current, location.replace(" ", "%20"))  # as browsers do with a sloppy Location
        try:
            current = check_url(target)
        except FetchError as exc:
            raise FetchError(url, f"redirected to {exc.url}, which is refused: {exc.reason}") from None
    raise FetchError(
        url,
        f"more than {limits.max_redirects} redirects (a redirect loop?); open it in a browser "
        "and give the address it ends at",
    )


def _get(asked: str, url: str, limits: Limits, deadline: float) -> tuple[Response | None, str | None]:
    """One request: (response, None), or (None, Location) for a redirect."""
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    host = ascii_host(parts.hostname or "")  # an international name as the DNS, the Host header and SNI spell it
    port = parts.port or (443 if https else 80)
    where = "" if url == asked else f" (redirected to {url})"
    conn = _connect(asked, host, port, https, limits, deadline, where)
    # a socket timeout bounds each read, not a server that sends its headers a byte at a time:
    # at the deadline the watchdog shuts the connection, whatever is being read
    expired = threading.Event()
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _expire, (conn, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        _settimeout(conn, asked, deadline, limits)
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in (
            ("User-Agent", USER_AGENT),
            ("Accept", ACCEPT),
            ("Accept-Encoding", "gzip, deflate"),
            ("Accept-Language", "en;q=1.0, *;q=0.5"),
            ("Connection", "close"),
        ):
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        if resp.status in _REDIRECTS:
            location = resp.getheader("Location")
            if not location:
                raise FetchError(asked, f"redirect (HTTP {resp.status}) without a Location to go to{where}")
            return None, location.strip()
        if resp.status != 200:
            raise FetchError(asked, _status_reason(resp.status, resp.reason) + where)
        content_type, charset = _content_type(resp.getheader("Content-Type") or "")
        body = _read_body(asked, conn, resp, limits, deadline)
        if expired.is_set():  # cut short by the watchdog, not ended by the server
            raise _timeout(asked, limits)
        return Response(url, resp.status, content_type, charset, body), None
    except (socket.timeout, TimeoutError):
        raise _timeout(asked, limits) from None
    except ssl.SSLError as exc:
        if expired.is_set():
            raise _timeout(asked, limits) from None
        raise FetchError(asked, f"secure connection failed ({exc.reason or exc}){where}") from None
    except (http.client.HTTPException, OSError) as exc:
        if expired.is_set():
            raise _timeout(asked, limits) from None
        raise FetchError(asked, f"the connection failed ({_os_reason(exc)}){where}") from None
    finally:
        watchdog.cancel()
        conn.close()


def _expire(conn: http.client.HTTPConnection, expired: threading.Event) -> None:
    expired.set()
    if conn.sock is not None:
        try:
            conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# --- connecting ----------------------------------------------------------------------------------------


class _Pinned(http.client.HTTPSConnection):
    """An HTTP(S) connection to `host` made to one address already checked (`address`).

    The Host header and, for HTTPS, the certificate check and SNI still name the host."""

    def __init__(self, host: str, port: int, address: tuple, timeout: float, tls: ssl.SSLContext | None):
        super().__init__(host, port, timeout=timeout, context=tls or _tls_context())
        self._address, self._tls = address, tls
        self.default_port = 443 if tls else 80  # so the Host header names no default port

    def connect(self) -> None:
        sock = socket.create_connection(self._address[:2], self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host) if self._tls else sock


_TLS = threading.local()


def _tls_context() -> ssl.SSLContext:
    if not hasattr(_TLS, "context"):
        _TLS.context = ssl.create_default_context()
    return _TLS.context


def _connect(
    asked: str, host: str, port: int, https: bool, limits: Limits, deadline: float, where: str
) -> http.client.HTTPConnection:
    addresses = _resolve(asked, host, port, deadline, where)
    if not limits.allow_private:
        for address in addresses:
            why = refused_address(address[0])
            if why:
                raise FetchError(asked, f"{host} is {address[0]}, {why}; not fetched{where} ({PRIVATE_HINT})")
    last: OSError | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout(asked, limits)
        conn = _Pinned(host, port, address, remaining, _tls_context() if https else None)
        try:
            conn.connect()
            return conn
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise FetchError(asked, f"its certificate is not valid ({exc.verify_message}){where}") from None
        except (socket.timeout, TimeoutError):
            conn.close()
            raise _timeout(asked, limits) from None
        except OSError as exc:
            conn.close()
            last = exc
    raise FetchError(asked, f"could not connect to {host} ({_os_reason(last)}){where}")


def _resolve(asked: str, host: str, port: int, deadline: float, where: str) -> list[tuple]:
    """Every address `host` resolves to; getaddrinfo has no timeout, so it runs in a thread we wait on."""
    result: dict = {}

    def lookup() -> None:
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            result["error"] = exc

    worker = threading.Thread(target=lookup, daemon=True, name="qa-fetch-dns")
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise FetchError(asked, f"looking up {host} took too long{where}; check the address or try again later")
    if "error" in result:
        raise FetchError(asked, f"no such host {host} (the name lookup failed){where}; check the address")
    seen, addresses = set(), []
    for family, _type, _proto, _name, sockaddr in result["infos"]:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in seen:
            seen.add(sockaddr[0])
            addresses.append(sockaddr)
    if not addresses:
        raise FetchError(asked, f"{host} has no internet address{where}")
    return addresses


def refused_address(text: str) -> str:
    """Why an IP address is no public internet address ("" when it is one)."""
    ip = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") names no other address
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None:
        return refused_address(str(mapped))
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_unspecified:
        return "the unspecified address (it reaches this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return "not a public internet address"
    return ""


# --- reading -------------------------------------------------------------------------------------------


def _settimeout(conn: http.client.HTTPConnection, asked: str, deadline: float, limits: Limits) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timeout(asked, limits)
    if conn.sock is not None:
        conn.sock.settimeout(remaining)
    return remaining


def _read_body(asked: str, conn, resp: http.client.HTTPResponse, limits: Limits, deadline: float) -> bytes:
    """The body, inflated if it came compressed; FetchError past `limits.max_bytes` (read no further)."""
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > limits.max_bytes:
        raise _too_big(asked, limits, int(length))
    encoding = (resp.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(asked, f"sent in an encoding this reader does not know ({encoding})")
    inflate = _Inflate(asked, encoding, limits) if encoding != "identity" else None
    out, size = [], 0
    while True:
        _settimeout(conn, asked, deadline, limits)
        piece = resp.read1(_READ_BYTES)
        if not piece:
            break
        if inflate is not None:
            piece = inflate.feed(piece, limits.max_bytes - size + 1)
        size += len(piece)
        if size > limits.max_bytes:
            raise _too_big(asked, limits)
        out.append(piece)
    return b"".join(out)


class _Inflate:
    """A gzip or deflate body inflated piece by piece, never more than asked for at a time (a small
    compressed body can stand for gigabytes); a gzip body of several members is read to its end."""

    def __init__(self, asked: str, encoding: str, limits: Limits):
        self.asked, self.encoding, self.limits = asked, encoding, limits
        self._z = self._new()

    @staticmethod
    def _new():
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # a gzip header, or deflate's zlib header

    def feed(self, data: bytes, room: int) -> bytes:
        out = []
        while data:
            try:
                piece = self._z.decompress(data, room)
            except zlib.error:
                raise FetchError(self.asked, f"the compressed body is damaged ({self.encoding})") from None
            if self._z.unconsumed_tail:  # more would come out than the limit allows
                raise _too_big(self.asked, self.limits)
            out.append(piece)
            room -= len(piece)
            data = self._z.unused_data if self._z.eof else b""
            if self._z.eof:
                self._z = self._new()
        return b"".join(out)


def _content_type(header: str) -> tuple[str, str]:
    kind, _, params = header.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return kind.strip().lower(), charset


def _status_reason(status: int, reason: str) -> str:
    said = f"HTTP {status}" + (f" {reason.strip()}" if reason and reason.strip() else "")
    if status in (404, 410):
        return f"not found ({said}); check the link"
    if status in (401, 402, 403):
        return f"the site refuses to serve it ({said}); it may need a login or subscription"
    if status == 429:
        return f"the site says too many requests ({said}); try again later"
    if 500 <= status < 600:
        return f"the site failed to serve it ({said}); try again later"
    return f"the site answered {said} instead of the page"


def _timeout(asked: str, limits: Limits) -> FetchError:
    return FetchError(
        asked,
        f"no complete answer within {limits.timeout:g} seconds; the site is too slow or not answering, try again later",
    )


def _too_big(asked: str, limits: Limits, size: int | None = None) -> FetchError:
    said = f" ({size / MB:.1f} MB)" if size else ""
    return FetchError(
        asked,
        f"larger than {limits.max_bytes / MB:g} MB{said}; not read past the limit "
        "(no article page is that large: save the article's text and upload it)",
    )


def _os_reason(exc: BaseException | None) -> str:
    if exc is None:
        return "no address answered"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(exc, http.client.HTTPException):
        return f"the server's answer is not valid HTTP: {type(exc).__name__}"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
