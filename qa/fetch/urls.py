"""Web addresses: which may be fetched, and one form per article however it was linked.

`check_url` refuses what is no http(s) page address. `canonical_url` is the address as it is saved
and cited: scheme and host in lower case, no default port, no fragment, no tracking parameters.
`url_key` is what makes two addresses one article: the canonical URL without its scheme, a leading
"www." or a trailing slash, its query sorted (http://Example.com/a/?utm_source=x and
https://www.example.com/a are one key).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ..errors import FetchError

SCHEMES = ("http", "https")
MAX_URL_CHARS = 2048  # what browsers and servers reliably accept; longer is no link someone pasted
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that say who sent the reader, never which article: mail and ad campaigns, click ids,
# share buttons (Google Analytics, Matomo/Piwik, HubSpot, Mailchimp, Facebook, Google Ads, Microsoft,
# Yandex, Instagram, TikTok, Twitter/X, LinkedIn, AT Internet on the BBC, the New York Times' smid).
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "mc_", "at_", "_hs", "ga_", "itm_", "oly_", "vero_")
TRACKING_PARAMS = frozenset(
    "fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid ysclid igshid igsh ttclid twclid li_fat_id "
    "_ga _gl mkt_tok ref_src ref_url cmpid ocid smid smtyp sr_share s_cid ncid spm soc_src soc_trk "
    "ito cmp fb_action_ids fb_action_types fb_source share_source".split()
)
# characters a path or query keeps unescaped (RFC 3986 unreserved and sub-delims, and the separators)
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_SCHEME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def check_url(url: object) -> str:
    """`url` stripped, when it is an http(s) address with a host; FetchError saying why not."""
    if not isinstance(url, str):
        raise FetchError(repr(url), "not a web address; give an http:// or https:// link")
    url = url.strip()
    shown = url[:200] + ("…" if len(url) > 200 else "")
    if not url:
        raise FetchError("(empty)", "no address; give an http:// or https:// link")
    if len(url) > MAX_URL_CHARS:
        raise FetchError(shown, f"address longer than {MAX_URL_CHARS} characters; give the article's own link")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise FetchError(shown, "the address contains spaces or control characters; give one link at a time")
    if not _SCHEME_LIKE.match(url):
        raise FetchError(shown, f"no scheme; write it as https://{url.lstrip('/')}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(shown, f"not a valid address ({exc})") from None
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError(
            shown, f"{parts.scheme.lower()}: addresses are not fetched; only http:// and https:// links are"
        )
    if not parts.hostname:
        raise FetchError(shown, "no host name in the address")
    if parts.username is not None or parts.password is not None:
        raise FetchError(shown, "addresses with a user name or password are not fetched; give the public link")
    if port == 0:
        raise FetchError(shown, "port 0 is no port; check the address")
    try:
        ascii_host(parts.hostname)
    except UnicodeError:
        raise FetchError(shown, "the host name is not a valid domain name") from None
    return url


def canonical_url(url: str) -> str:
    """The address as saved and cited (see the module's docstring); `url` must pass `check_url`."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = ascii_host(parts.hostname or "")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normal_escapes(parts.path) or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)],
        quote_via=quote,
        safe=_PATH_SAFE,
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def url_key(url: str) -> str:
    """One key for every address of the same article (see the module's docstring)."""
    parts = urlsplit(canonical_url(url))
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{host}{path}" + (f"?{query}" if query else "")


def is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def site_of(url: str) -> str:
    """The site an address belongs to, as a folder name: its host without "www." ("reuters.com")."""
    host = ascii_host(urlsplit(url).hostname or "")
    return host.removeprefix("www.") or "site"


def ascii_host(host: str) -> str:
    """The host in lower case, an international domain name as its ASCII (punycode) form."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    return ".".join(label.encode("idna").decode("ascii") if not label.isascii() else label for label in host.split("."))


_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normal_escapes(path: str) -> str:
    """`path` with one spelling per character: an escaped letter or digit unescaped (%7e is ~),
    other escapes in upper case, characters outside ASCII escaped as UTF-8 (RFC 3986, 6.2.2)."""

    def one(m: re.Match) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return quote(_ESCAPE.sub(one, path), safe=_PATH_SAFE + "%")
