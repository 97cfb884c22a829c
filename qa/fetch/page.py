"""From a fetched page to an article: its text (trafilatura, then the corpus's own line rules) and
what the page says about itself.

trafilatura (through `qa.ingest.html.clean_html`, as for saved .html files) gives the text, the title,
the author, the date (from the markup and the URL, never from dates in the prose) and a site name.
Its site name and canonical URL are read again here from the page's explicit markup first:
`<link rel=canonical>`, og:site_name, the publisher of a JSON-LD article (also inside a Yoast
"@graph"), a microdata publisher, `<meta name=publisher>`, DC.publisher, application-name. A
twitter handle or a page title is no outlet. Nothing is guessed: a page that says nothing about its
outlet has none (a feed's title stands in for it when the article came from a feed).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from ..errors import FetchError
from ..ingest import Metadata, clean_html, find_date
from ..ingest.text import normalise_line
from .http import Response
from .urls import canonical_url, check_url

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Fewer words than this is a teaser, a paywall stub or a consent page, not an article to quote from;
# the shortest news briefs run to about a hundred words.
MIN_ARTICLE_WORDS = 80
# A page this short that speaks of subscriptions or cookie consent is a wall in front of the article.
WALL_MAX_WORDS = 250
PAYWALL = re.compile(
    r"\b(subscribers?[- ]only|(only|exclusively) (available )?(to|for) (paying )?subscribers|already a subscriber"
    r"|(subscribe|register|log ?in|sign ?in|sign up) (now )?to (continue|keep) reading|subscribe to (read|unlock)"
    r"|continue reading with a subscription|unlock (this|the full) (article|story)"
    r"|create a free account to (read|continue))\b",
    re.I,
)
CONSENT = re.compile(
    r"\bcookies?\b.*\b(consent|partners|personali[sz]e|accept all|reject all|privacy settings)\b", re.I | re.S
)
_SNIFF_BYTES = 4096  # where a page declares its charset: <meta> must stand in the first 1024 bytes (HTML5)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# WHATWG: pages labelled Latin-1 or ASCII are decoded as windows-1252, which browsers have always done
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "ansi_x3.4-1968"}
_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d{2})[/-](?P<month>\d{1,2})[/-](?P<day>\d{1,2})(?:/|-|$)")
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report", re.I)
_JSON_LD_MAX_CHARS = 500_000


@dataclass(frozen=True)
class Article:
    """A page's article: the text to save and index, and what the page says about it."""

    url: str  # canonical: the page's rel=canonical (or og:url), else the address it was fetched from
    asked: str  # the address asked for, canonical
    title: str
    outlet: str
    author: str
    date: str  # ISO YYYY-MM-DD
    text: str


@dataclass(frozen=True)
class Hint:
    """What a feed said about an item, for what its page does not say."""

    title: str = ""
    outlet: str = ""
    author: str = ""
    date: str = ""


def is_html(response: Response) -> bool:
    if response.content_type in HTML_TYPES:
        return True
    if response.content_type:
        return False
    head = response.body[:_SNIFF_BYTES].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def decode(response: Response, asked: str) -> str:
    """The page's text: a byte order mark wins, then the HTTP charset, then `<meta charset>`, then
    UTF-8 (windows-1252 when nothing was declared and it is no UTF-8). FetchError when the page is
    not in the charset it declares: its characters cannot be told apart, so nothing could be quoted."""
    body = response.body
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return _strict(body, codec, codec, asked)
    declared = _known(response.charset) or _known(_meta_charset(body))
    if declared:
        return _strict(body, declared, response.charset or _meta_charset(body), asked)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return _strict(body, "cp1252", "windows-1252 (no charset declared, and it is no UTF-8)", asked)


def _meta_charset(body: bytes) -> str:
    m = _META_CHARSET.search(body[:_SNIFF_BYTES])
    return m.group(1).decode("ascii", "replace") if m else ""


def _known(label: str) -> str:
    """Python's codec for a charset label, "" for none or one no codec knows (the label is then ignored)."""
    label = (label or "").strip().lower()
    if not label:
        return ""
    if label in _AS_CP1252:
        return "cp1252"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return ""
    try:  # a page is text: a "charset" naming a binary transform (base64, zlib) is no charset
        b"a".decode(name)
    except LookupError:
        return ""
    except UnicodeError:  # a codec of two-byte units: text all the same
        pass
    return name


def _strict(body: bytes, codec: str, label: str, asked: str) -> str:
    try:
        return body.decode(codec)
    except UnicodeDecodeError as exc:
        raise FetchError(
            asked,
            f"its characters are broken: it says it is {label}, but byte 0x{body[exc.start]:02x} "
            f"at offset {exc.start} is not; nothing could be quoted from it exactly",
        ) from None


# --- the article -------------------------------------------------------------------------------------


def read_article(response: Response, asked: str, hint: Hint = Hint()) -> Article:
    """The article on an HTML page; FetchError when the page holds none worth keeping."""
    html = decode(response, asked)
    text, meta = clean_html(html)
    words = len(text.split())
    wall = _wall(text) if words < WALL_MAX_WORDS else ""
    if wall:
        raise FetchError(
            asked, f"{wall} ({words} words of text), not the article; save the article's text and upload it instead"
        )
    if words < MIN_ARTICLE_WORDS:
        found = f"only {words} words of article text" if words else "no article text"
        raise FetchError(asked, f"{found}: a teaser, a paywall or consent page, or no article at all")
    marked = page_markup(html, response.url)
    outlet = _plain(marked.source or meta.source or hint.outlet)
    return Article(
        url=marked.url or _checked(meta.url, response.url) or canonical_url(response.url),
        asked=canonical_url(asked),
        title=_plain(_without_outlet(meta.title or hint.title, outlet)),
        outlet=outlet,
        author=_plain(meta.author or hint.author).replace("; ", ", "),
        date=meta.date or hint.date or url_date(response.url),
        text=text,
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plain(value: str) -> str:
    """A metadata value on one line, without control characters (they would break a citation)."""
    return normalise_line(_CONTROL.sub(" ", value or ""))


def _wall(text: str) -> str:
    if PAYWALL.search(text):
        return "a paywall"
    if CONSENT.search(text):
        return "a cookie consent page"
    return ""


def _without_outlet(title: str, outlet: str) -> str:
    """ "Harbour reopens | Coastal Times" is titled "Harbour reopens" when Coastal Times is the outlet."""
    if outlet and title:
        return re.sub(rf"\s+[|–—-]\s+{re.escape(outlet)}$", "", title, flags=re.I)
    return title


def url_date(url: str) -> str:
    """The date an address gives in its path ("/2024/03/04/…"), ISO; "" if none."""
    m = _URL_DATE.search(url.split("?", 1)[0])
    return find_date(f"{m.group('year')}-{int(m.group('month')):02d}-{int(m.group('day')):02d}")[0] if m else ""


def _checked(url: str, base: str) -> str:
    """`url` (relative to `base`) in canonical form when it is an http(s) address, else ""."""
    if not url or not url.strip():
        return ""
    try:
        return canonical_url(check_url(urljoin(base, url.strip())))
    except FetchError:
        return ""


# --- what the markup says ---------------------------------------------------------------------------


def page_markup(html: str, base: str) -> Metadata:
    """The canonical URL (`url`) and the outlet (`source`) the page's markup states, "" where it states none."""
    from lxml import etree
    from lxml import html as lhtml

    meta = Metadata()
    try:
        tree = lhtml.document_fromstring(html.encode("utf-8"), parser=lhtml.HTMLParser(encoding="utf-8"))
    except (etree.LxmlError, ValueError):
        return meta
    links = tree.xpath(
        "//link[@href][contains(concat(' ', translate(@rel, 'CANONICAL', 'canonical'), ' '), ' canonical ')]"
    )
    meta.fill(url=next((u for u in (_checked(link.get("href"), base) for link in links) if u), ""))
    meta.fill(url=_checked(_meta_content(tree, "property", "og:url"), base))
    meta.fill(source=_meta_content(tree, "property", "og:site_name"))
    meta.fill(source=_json_ld_publisher(tree))
    names = tree.xpath("//*[@itemprop='publisher']//*[@itemprop='name']")
    meta.fill(source=next((n for n in (_text_of(e) for e in names) if n), ""))
    for name in ("publisher", "dc.publisher", "dcterms.publisher", "application-name"):
        meta.fill(source=_meta_content(tree, "name", name))
    return meta


def _meta_content(tree, attribute: str, value: str) -> str:
    upper, lower = value.upper(), value.lower()
    found = tree.xpath(f"//meta[translate(@{attribute}, '{upper}', '{lower}') = '{lower}']/@content")
    return next((v for v in (normalise_line(str(f)) for f in found) if v), "")


def _text_of(element) -> str:
    return normalise_line(element.get("content") or element.text_content() or "")


def _json_ld_publisher(tree) -> str:
    """The publisher's name of the first JSON-LD article on the page (an "@id" is looked up in its graph)."""
    for script in tree.xpath("//script[translate(@type, 'LDJSON+', 'ldjson+') = 'application/ld+json']"):
        raw = script.text or ""
        if len(raw) > _JSON_LD_MAX_CHARS:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        nodes = _nodes(data)
        by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
        for node in nodes:
            if not _ARTICLE_TYPES.search(" ".join(_types(node))):
                continue
            publisher = node.get("publisher")
            publisher = publisher[0] if isinstance(publisher, list) and publisher else publisher
            if isinstance(publisher, dict):
                publisher = by_id.get(publisher.get("@id"), publisher) if "name" not in publisher else publisher
                name = publisher.get("name")
                if isinstance(name, str) and normalise_line(name):
                    return normalise_line(name)
    return ""


def _nodes(data) -> list[dict]:
    """The objects of a JSON-LD block: itself, a list of them, or its "@graph"."""
    items = data if isinstance(data, list) else [data]
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(item)
            graph = item.get("@graph")
            if isinstance(graph, list):
                out.extend(g for g in graph if isinstance(g, dict))
    return out


def _types(node: dict) -> list[str]:
    t = node.get("@type")
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else []
