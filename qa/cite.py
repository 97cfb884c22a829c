"""Citations in a writer's own style: Chicago (notes and bibliography, 17th ed.), APA 7 and MLA 9, for a
news article or a web page, and the sources as CSL-JSON (Zotero, Mendeley) or BibTeX.

A `Source` holds only what the article gives: its authors (when the byline names them), title, outlet,
publication date, URL, and the day it was accessed when that is known. Each style leaves a missing
field out the way its guide says (APA writes "n.d." for no date; Chicago and MLA then give the access
date when there is one) and never fills one in. A citation is a list of `Run`s, plain or italic, so
the same citation is written as plain text, Markdown or HTML (the faces escape the text themselves).

Hand-written rather than a CSL processor: the few forms needed are short, and the tests hold them to
the guides' own published examples character for character (tests/test_cite.py, docs/citations.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date as _date
from typing import Iterable, Mapping, NamedTuple, Sequence, Union

from .errors import InvalidRequestError
from .lexicon import BIBTEX_MONTHS, MLA_MONTHS, MONTH_NAMES

STYLES = ("chicago", "apa", "mla")
STYLE_NAMES = {"chicago": "Chicago (notes and bibliography)", "apa": "APA 7", "mla": "MLA 9"}
EXPORTS = ("csl-json", "bibtex")
ARTICLE, WEBPAGE = "article", "webpage"

_PARTICLES = frozenset("van von der den de del della di da du la le bin ibn al el ter ten".split())
# A byline part that names a group rather than a person ("The Kyiv Independent news desk", "AFP staff")
_GROUP_WORDS = re.compile(
    r"\b(?:desk|staff|news|newsroom|agency|agencies|editors?|editorial|board|team|service|office|ministry|"
    r"department|bureau|reporters?|correspondents?|press|wire|wires|the)\b",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r"\s*(?:;|\s&\s|,?\s+and\s+)\s*", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class Run(NamedTuple):
    """A stretch of a citation, in italics or not."""

    text: str
    italic: bool = False


@dataclass(frozen=True)
class Name:
    """One author: a person (family and given names) or a group written as it is (`literal`)."""

    family: str = ""
    given: str = ""
    literal: str = ""

    @property
    def person(self) -> bool:
        return not self.literal


@dataclass(frozen=True)
class Source:
    """What a citation is made from. `issued` and `accessed` are ISO dates (YYYY, YYYY-MM or
    YYYY-MM-DD); `kind` is ARTICLE (a news article: an outlet and a date) or WEBPAGE."""

    title: str = ""
    container: str = ""  # the outlet or the website
    authors: tuple[Name, ...] = ()
    issued: str = ""
    url: str = ""  # a plain http(s) URL only
    accessed: str = ""
    kind: str = ARTICLE
    id: str = ""  # the document id, so an exported record can be traced back

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "container": self.container,
            "authors": [a.literal or f"{a.family}, {a.given}".strip(", ") for a in self.authors],
            "issued": self.issued,
            "url": self.url,
            "accessed": self.accessed,
        }


class Style(NamedTuple):
    """A citation style and the day the sources were read (for web pages without a date), when known."""

    name: str
    accessed: str = ""


# what a caller may pass as a style: a name ("apa"), a Style (a name and the day read), or None
StyleArg = Union[str, Style, None]


def as_style(style: StyleArg) -> Style | None:
    """None (qa's own format) or a checked Style, from a name or a Style."""
    if isinstance(style, Style):
        return Style(check_style(style.name) or "", check_accessed(style.accessed)) if style.name else None
    name = check_style(style)
    return Style(name) if name else None


def check_style(style: str | None) -> str | None:
    """None or "" (the app's own format), or one of STYLES; InvalidRequestError listing them otherwise."""
    if style is None or style in ("", "qa"):
        return None
    value = str(style).strip().lower()
    if value not in STYLES:
        raise InvalidRequestError(f"cite: {style!r} is not a citation style; choose one of {', '.join(STYLES)}")
    return value


def check_accessed(value: str | None) -> str:
    """An ISO date the sources were read on, or ""; InvalidRequestError naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _date.fromisoformat(value)
    except ValueError:
        raise InvalidRequestError(f"accessed: {value!r} is not a date; write it as YYYY-MM-DD") from None
    return value


# --- from records -----------------------------------------------------------------------------------


def parse_names(byline: str) -> tuple[Name, ...]:
    """The authors a byline names: "Elsa Court and Albert Nalbandian", "Court, Elsa; Doe, J." A part
    that reads as a group ("The Kyiv Independent news desk") is kept whole, never split into names."""
    byline = " ".join((byline or "").split()).strip(" ,;")
    if not byline:
        return ()
    parts = [p for p in _NAME_SPLIT.split(byline) if p.strip(" ,")]
    # "Court, Elsa" is one inverted name, not two authors
    if len(parts) == 1 and byline.count(",") == 1 and not _GROUP_WORDS.search(byline):
        family, given = (x.strip() for x in byline.split(","))
        return (Name(family, given),) if family and given else (Name(literal=byline),)
    return tuple(_name(p.strip(" ,")) for p in parts)


def _name(part: str) -> Name:
    if "," in part and not _GROUP_WORDS.search(part):
        family, _, given = part.partition(",")
        return Name(family.strip(), given.strip())
    words = part.split()
    if (
        len(words) < 2
        or len(words) > 5
        or _GROUP_WORDS.search(part)
        or any(w[:1].islower() and w.lower() not in _PARTICLES for w in words)
    ):
        return Name(literal=part)
    i = len(words) - 1
    while i > 1 and words[i - 1].lower() in _PARTICLES:  # "Ludwig van Beethoven": family "van Beethoven"
        i -= 1
    return Name(" ".join(words[i:]), " ".join(words[:i]))


def source_of(obj, document=None, *, accessed: str = "") -> Source:
    """The Source of a Quote, FoundQuote, Document or also_in entry (and its Document, which knows the
    author). A dated piece from a named outlet is a news article; anything else a web page."""
    get = obj.get if isinstance(obj, Mapping) else (lambda k, d="": getattr(obj, k, d))
    from .render import safe_url  # render imports this module; safe_url is the one URL rule

    title = get("doc_title", "") or get("title", "") or ""
    outlet = get("source", "") or ""
    issued = get("date", "") or ""
    url = get("url", "") or ""
    author = get("author", "") or ""
    doc_id = get("doc_id", "") or get("id", "") or ""
    if document is not None:
        title, outlet = title or document.title, outlet or document.source
        issued, url, author = issued or document.date, url or document.url, author or document.author
        accessed = accessed or getattr(document, "accessed", "") or ""
    kind = ARTICLE if outlet and issued else WEBPAGE
    return Source(
        title=title.strip(),
        container=outlet.strip(),
        authors=parse_names(author),
        issued=issued if _ISO.match(issued or "") else "",
        url=safe_url(url),
        accessed=accessed if _ISO.match(accessed or "") else "",
        kind=kind,
        id=doc_id,
    )


# --- dates ----------------------------------------------------------------------------------------


def _parts(iso: str) -> tuple[int, int, int] | None:
    m = _ISO.match(iso or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)


def _dated(iso: str, day: str, month: str, names: Sequence[str] = MONTH_NAMES) -> str:
    """`iso` written with the `day` or `month` template ({y}, {m}, {d}); a year alone as itself."""
    p = _parts(iso)
    if not p:
        return ""
    y, m, d = p
    if not m:
        return str(y)
    return (day if d else month).format(y=y, m=names[m - 1], d=d)


def _us_date(iso: str) -> str:
    """Chicago and APA's "March 8, 2017" ("March 2017", "2017" when less is known)."""
    return _dated(iso, "{m} {d}, {y}", "{m} {y}")


def _apa_date(iso: str) -> str:
    """APA's "(2019, March 22)", "(2018, March)", "(2019)" or "(n.d.)"."""
    return f"({_dated(iso, '{y}, {m} {d}', '{y}, {m}')})" if _parts(iso) else "(n.d.)"


def _mla_date(iso: str) -> str:
    """MLA's "8 Mar. 2017" ("Mar. 2017", "2017")."""
    return _dated(iso, "{d} {m} {y}", "{m} {y}", MLA_MONTHS)


# --- names ----------------------------------------------------------------------------------------


def _direct(n: Name) -> str:
    return n.literal or f"{n.given} {n.family}".strip()


def _inverted(n: Name) -> str:
    return n.literal or (f"{n.family}, {n.given}" if n.given else n.family)


def _initials(given: str) -> str:
    """APA initials: "Christina M." → "C. M.", "Jean-Paul" → "J.-P."."""
    out = []
    for word in given.split():
        pieces = [p for p in word.split("-") if p]
        out.append("-".join(p[0] + "." for p in pieces if p[0].isalpha()))
    return " ".join(o for o in out if o)


def _apa_name(n: Name) -> str:
    if n.literal:
        return n.literal
    initials = _initials(n.given)
    return f"{n.family}, {initials}" if initials else n.family


def _chicago_names(names: Sequence[Name], inverted: bool) -> str:
    """Chicago: "Farhad Manjoo" in a note, "Manjoo, Farhad" first in a bibliography; two are joined
    with "and", more with commas and ", and"; over three, a note gives the first "et al." (14.76)."""
    if not names:
        return ""
    first = _inverted(names[0]) if inverted else _direct(names[0])
    rest = [_direct(n) for n in names[1:]]
    if not inverted and len(names) > 3:
        return f"{first} et al."
    if not rest:
        return first
    if len(names) == 2:
        return f"{first}{',' if inverted else ''} and {rest[0]}"
    return f"{first}, {', '.join(rest[:-1])}, and {rest[-1]}"


def _apa_names(names: Sequence[Name]) -> str:
    """APA 7: "Carey, B.", "Court, E., & Nalbandian, A.", up to 20 names with "&" before the last."""
    shown = [_apa_name(n) for n in names]
    if len(shown) <= 1:
        return "".join(shown)
    if len(shown) > 20:  # the first 19, an ellipsis, the last (APA 7, 9.8)
        return ", ".join(shown[:19]) + ", . . . " + shown[-1]
    return ", ".join(shown[:-1]) + ", & " + shown[-1]


def _mla_names(names: Sequence[Name]) -> str:
    """MLA 9: "Hess, Amanda"; two: "Dixit, Jay, and Marissa Kristal"; three or more: "Camargo, Julio A., et al."."""
    if not names:
        return ""
    first = _inverted(names[0])
    if len(names) == 2:
        return f"{first}, and {_direct(names[1])}"
    if len(names) > 2:
        return f"{first}, et al."
    return first


# --- punctuation ----------------------------------------------------------------------------------


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.?!][”’\"']*$", text))


def _closed(text: str, mark: str = ".") -> str:
    """`text` followed by `mark`, unless it already ends with ?, ! or a period (no "?." nor "..")."""
    text = text.rstrip()
    return text if _ends_sentence(text) else text + mark


def _italic_closed(text: str, italic: bool) -> list[Run]:
    """`text` closed with a period that stays roman after italics ("*The New York Times*.")."""
    closed = _closed(text)
    return [Run(text.rstrip(), italic), Run(closed[len(text.rstrip()) :])]


def _quoted(title: str, mark: str) -> str:
    """A title in quotation marks with the comma or period inside them; a title that ends in ? or !
    keeps its own mark and takes no other (as every example of the three guides does)."""
    title = title.strip()
    if re.search(r"[?!]$", title):
        return f"“{title}”"
    if mark == "." and title.endswith("."):
        return f"“{title}”"
    return f"“{title}{mark}”"


def _join(runs: list[Run]) -> list[Run]:
    """Merge neighbouring runs of the same kind (tidy Markdown and HTML)."""
    out: list[Run] = []
    for r in runs:
        if not r.text:
            continue
        if out and out[-1].italic == r.italic:
            out[-1] = Run(out[-1].text + r.text, r.italic)
        else:
            out.append(r)
    return out


def _mla_url(url: str) -> str:
    """MLA 9 leaves out http:// and https:// (5.95)."""
    return re.sub(r"^https?://", "", url, flags=re.IGNORECASE)


# --- the styles -----------------------------------------------------------------------------------


def chicago_note(src: Source) -> list[Run]:
    """A Chicago note: Author, “Title,” *Outlet*, Month D, YYYY, URL. (a web page: the site in roman,
    and "accessed Month D, YYYY" when the page gives no date, 14.206)."""
    items: list[list[Run]] = []
    if src.authors:
        items.append([Run(_chicago_names(src.authors, inverted=False))])
    if src.title:
        items.append([Run(_quoted(src.title, ","))])
    if src.container:
        items.append([Run(src.container, italic=src.kind == ARTICLE)])
    when = _us_date(src.issued) or (f"accessed {_us_date(src.accessed)}" if src.accessed else "")
    if when:
        items.append([Run(when)])
    if src.url:
        items.append([Run(src.url)])
    if items and src.title and items[-1][0].text == _quoted(src.title, ","):
        items[-1] = [Run(_quoted(src.title, "."))]  # the title ends the note: its comma becomes the period
    out: list[Run] = []
    for item in items:
        if out:
            # a quoted title carries its own comma (or ? or !) inside the marks
            out.append(Run(" " if plain(out).endswith("”") else ", "))
        out += item
    return _join(_close(out))


def chicago_bibliography(src: Source) -> list[Run]:
    """A Chicago bibliography entry: Author. “Title.” *Outlet*, Month D, YYYY. URL. An unsigned news
    article puts the outlet first (14.207); a web page's owner or site takes the author's place (14.206)."""
    names = _chicago_names(src.authors, inverted=True)
    blocks: list[list[Run]] = []
    if src.kind == ARTICLE:
        if names or src.container:
            blocks.append([Run(names)] if names else [Run(src.container, italic=True)])
        if src.title:
            blocks.append([Run(_quoted(src.title, "."))])
        when = _us_date(src.issued)
        tail = [Run(src.container, italic=True)] if names and src.container else []
        if when:
            tail += [Run(", " if tail else ""), Run(when)]
        if tail:
            blocks.append(tail)
    else:
        if names or src.container:
            blocks.append([Run(names or src.container)])
        if src.title:
            blocks.append([Run(_quoted(src.title, "."))])
        if names and src.container:
            blocks.append([Run(src.container)])
        when = _us_date(src.issued) or (f"Accessed {_us_date(src.accessed)}" if src.accessed else "")
        if when:
            blocks.append([Run(when)])
    if src.url:
        blocks.append([Run(src.url)])
    return _join(_spaced([_close(b) for b in blocks]))


def _close(runs: list[Run], mark: str = ".") -> list[Run]:
    """`runs` ending with `mark`, unless they end a sentence already (“Title.” or “Why?” or "Doe, J.")."""
    text = plain(runs).rstrip()
    return list(runs) if not text or re.search(r"[.?!][”’]?$", text) else list(runs) + [Run(mark)]


def apa(src: Source) -> list[Run]:
    """An APA 7 reference: Author. (Year, Month D). Title. *Outlet*. URL (a web page: *Title*. Site.);
    no author: the title first; no date: (n.d.), and "Retrieved Month D, YYYY, from URL" when the
    access day is known; the site is left out when it is the author (10.16)."""
    names = _apa_names(src.authors)
    title = _italic_closed(src.title, src.kind == WEBPAGE) if src.title else []
    blocks: list[list[Run]] = []
    if names:
        blocks += [[Run(_closed(names))], [Run(_apa_date(src.issued) + ".")]]
        if title:
            blocks.append(title)
    else:
        if title:
            blocks.append(title)
        blocks.append([Run(_apa_date(src.issued) + ".")])
    same_as_author = len(src.authors) == 1 and src.authors[0].literal and src.authors[0].literal == src.container
    if src.container and not same_as_author:
        blocks.append(_italic_closed(src.container, src.kind == ARTICLE))
    if src.url:
        if not _parts(src.issued) and src.accessed:
            blocks.append([Run(f"Retrieved {_us_date(src.accessed)}, from {src.url}")])
        else:
            blocks.append([Run(src.url)])
    return _join(_spaced(blocks))


def mla(src: Source) -> list[Run]:
    """An MLA 9 works-cited entry: Author. “Title.” *Container*, D Mon. YYYY, URL. then "Accessed
    D Mon. YYYY." when the day is known (optional in MLA 9, recommended for a page without a date)."""
    blocks: list[list[Run]] = []
    names = _mla_names(src.authors)
    if names:
        blocks.append([Run(_closed(names))])
    if src.title:
        blocks.append([Run(_quoted(src.title, "."))])
    tail: list[Run] = []
    for i, part in enumerate([src.container, _mla_date(src.issued), _mla_url(src.url)]):
        if part:
            if tail:
                tail.append(Run(", "))
            tail.append(Run(part, italic=i == 0))
    if tail:
        tail.append(Run("."))
        blocks.append(tail)
    if src.accessed:
        blocks.append([Run(f"Accessed {_mla_date(src.accessed)}.")])
    return _join(_spaced(blocks))


def _spaced(blocks: list[list[Run]]) -> list[Run]:
    out: list[Run] = []
    for b in blocks:
        if out:
            out.append(Run(" "))
        out += b
    return out


FORMATTERS = {"chicago": chicago_bibliography, "apa": apa, "mla": mla}


def reference(src: Source, style: str) -> list[Run]:
    """The entry of a reference list in `style` (Chicago: the bibliography entry)."""
    return FORMATTERS[style](src)


def note(src: Source, style: str) -> list[Run]:
    """What follows a quotation when it is copied: the Chicago note, or the APA / MLA reference."""
    return chicago_note(src) if style == "chicago" else reference(src, style)


def plain(runs: Iterable[Run]) -> str:
    return "".join(r.text for r in runs)


def markdown(runs: Iterable[Run]) -> str:
    """Markdown with *italics*; the text escaped so it renders exactly (URLs too)."""
    from .render import md_escape

    return "".join(f"*{md_escape(r.text)}*" if r.italic else md_escape(r.text) for r in runs)


# --- reference-manager files ------------------------------------------------------------------------


def unique_sources(sources: Iterable[Source]) -> list[Source]:
    """Each source once (by document, else by title and outlet), in the order first met."""
    seen, out = set(), []
    for s in sources:
        key = s.id or (s.title, s.container, s.issued)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "", folded)


_KEY_SKIP = frozenset("a an the of on in at to for and or with from by is are as".split())


def _base_key(src: Source) -> str:
    who = src.authors[0].family or src.authors[0].literal if src.authors else src.container or "anon"
    who_word = next((w for w in (_ascii_word(x) for x in who.split()) if w and w not in _KEY_SKIP), "") or "anon"
    year = (_parts(src.issued) or ("nd",))[0]
    title_word = next((w for w in (_ascii_word(x) for x in src.title.split()) if w and w not in _KEY_SKIP), "")
    return f"{who_word}{year}{title_word}"


def citation_keys(sources: Sequence[Source]) -> list[str]:
    """A key per source, made from the first author (or outlet), year and first title word; repeats
    get a, b, c … in order, so the same list gives the same keys every time."""
    bases = [_base_key(s) for s in sources]
    counts: dict[str, int] = {}
    for b in bases:
        counts[b] = counts.get(b, 0) + 1
    seen: dict[str, int] = {}
    keys = []
    for b in bases:
        if counts[b] == 1:
            keys.append(b)
            continue
        i = seen.get(b, 0)
        seen[b] = i + 1
        keys.append(b + _letters(i))
    return keys


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(97 + r) + out
    return out


def _date_parts(iso: str) -> dict | None:
    p = _parts(iso)
    if not p:
        return None
    return {"date-parts": [[x for x in p if x]]}


def csl_json(sources: Sequence[Source]) -> str:
    """The sources as a CSL-JSON array (what Zotero, Mendeley and pandoc read)."""
    sources = unique_sources(sources)
    items = []
    for key, s in zip(citation_keys(sources), sources):
        item: dict = {"id": key, "type": "article-newspaper" if s.kind == ARTICLE else "webpage"}
        if s.title:
            item["title"] = s.title
        if s.container:
            item["container-title"] = s.container
        if s.authors:
            item["author"] = [
                {"literal": a.literal} if a.literal else {"family": a.family, "given": a.given} for a in s.authors
            ]
        for field, value in (("issued", s.issued), ("accessed", s.accessed)):
            parts = _date_parts(value)
            if parts:
                item[field] = parts
        if s.url:
            item["URL"] = s.url
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def _bib_text(text: str) -> str:
    """Text for a BibTeX field: TeX's special characters escaped (a title can hold any of them)."""
    return "".join(_BIB_SPECIAL.get(c, c) for c in " ".join(text.split()))


def _bib_url(url: str) -> str:
    """A URL for the url field: read verbatim by biblatex and the url package, so only the braces
    that would end the field are percent-encoded."""
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def _bib_name(n: Name) -> str:
    return (
        "{" + _bib_text(n.literal) + "}" if n.literal else f"{_bib_text(n.family)}, {_bib_text(n.given)}".rstrip(", ")
    )


def bibtex(sources: Sequence[Source]) -> str:
    """The sources as BibTeX: a news article as @article (journal = the outlet), a web page as @misc;
    `date` and `urldate` are there for biblatex, `year`/`month` for classic BibTeX styles."""
    sources = unique_sources(sources)
    entries = []
    for key, s in zip(citation_keys(sources), sources):
        fields: list[tuple[str, str]] = []
        if s.authors:
            fields.append(("author", " and ".join(_bib_name(a) for a in s.authors)))
        if s.title:
            fields.append(("title", "{" + _bib_text(s.title) + "}"))  # double braces keep its capitals
        if s.container:
            fields.append(("journal" if s.kind == ARTICLE else "howpublished", _bib_text(s.container)))
        p = _parts(s.issued)
        if p:
            fields.append(("year", str(p[0])))
            if p[1]:
                fields.append(("month", BIBTEX_MONTHS[p[1] - 1]))
            fields.append(("date", s.issued))
        if s.url:
            fields.append(("url", _bib_url(s.url)))
        if s.accessed:
            fields.append(("urldate", s.accessed))
        body = ",\n".join(f"  {k} = {v}" if k == "month" else f"  {k} = {{{v}}}" for k, v in fields)
        kind = "article" if s.kind == ARTICLE else "misc"
        entries.append(f"@{kind}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def export(sources: Sequence[Source], fmt: str) -> str:
    """`csl_json` or `bibtex` by name; InvalidRequestError listing the formats otherwise."""
    if fmt == "csl-json":
        return csl_json(sources)
    if fmt == "bibtex":
        return bibtex(sources)
    raise InvalidRequestError(f"format: {fmt!r} is not an export format; choose one of {', '.join(EXPORTS)}")
