"""Loading articles: read files, strip page boilerplate, find the metadata the text gives.

The cleaned text a `Document` carries is what every quote is cut from, so cleaning happens
once, here, and nothing downstream changes the text again.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import Iterable

from .errors import EmptyCorpusError, InputFileError
from .records import Document

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".jsonl",)
MAX_FILE_MB = 50
_SUPPORTED = ".txt, .md, .html, .jsonl"
_ACCEPTED = (
    ".txt or .md (an article as text), .html or .htm (a saved web page), "
    ".jsonl (one JSON object a line with 'id' and 'text'); all UTF-8"
)
# One broken JSONL file should not bury every other problem: past this many bad lines, one summary.
_MAX_LINE_PROBLEMS = 20


@dataclass
class IngestResult:
    """The documents loaded, and one problem per file (or JSONL line) that could not be used."""

    documents: list[Document] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)


@dataclass
class Metadata:
    """What a page says about itself; empty where it says nothing (nothing is guessed)."""

    title: str = ""
    source: str = ""
    date: str = ""  # ISO YYYY-MM-DD, only from a full date with a year
    author: str = ""
    url: str = ""

    def fill(self, **values: str) -> None:
        """Set fields that are still empty: the first place that gives a value wins."""
        for key, value in values.items():
            if value and not getattr(self, key):
                setattr(self, key, value)


# --- loading -----------------------------------------------------------------------------------


def load_corpus(
    paths: Iterable[str | Path] | str | Path, *, max_file_mb: float = MAX_FILE_MB, allow_empty: bool = False
) -> IngestResult:
    """Load every file under `paths` (files, or folders read recursively in sorted order).

    A file that cannot be used becomes one problem and the others still load. Raises
    EmptyCorpusError when no document at all could be loaded, unless `allow_empty`.
    """
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    result = IngestResult()
    seen: dict[str, str] = {}
    for root, path in _walk(paths, result.problems):
        try:
            docs, line_problems = load_file(path, root, max_file_mb=max_file_mb)
        except InputFileError as exc:
            result.problems.append(exc)
            continue
        result.problems.extend(line_problems)
        for doc in docs:
            if doc.id in seen:
                result.problems.append(_duplicate(doc, seen[doc.id]))
                continue
            seen[doc.id] = doc.path
            result.documents.append(doc)
    if not result.documents and not allow_empty:
        where = ", ".join(map(str, paths)) or "(no path given)"
        if result.problems:
            n = len(result.problems)
            shown = "; ".join(map(str, result.problems[:3])) + (f"; and {n - 3} more" if n > 3 else "")
            detail = f"{n} problem(s): {shown}"
        else:
            detail = "no files found"
        raise EmptyCorpusError(f"no documents loaded from {where}: {detail}. Accepted formats: {_ACCEPTED}")
    return result


def _duplicate(doc: Document, first: str) -> InputFileError:
    # JSONL documents carry "file.jsonl:LINE" as their path; report file and line separately
    file, sep, line = doc.path.rpartition(":")
    if not (sep and line.isdigit() and file.lower().endswith(".jsonl")):
        file, line = doc.path, ""
    return InputFileError(
        file,
        f"duplicate document id {doc.id!r} (also in {first}); ids must be unique, so this one was skipped",
        line=int(line) if line else None,
    )


def _walk(paths: list[Path], problems: list[InputFileError]):
    """(root, file) pairs; a missing path is a problem, not the end of the load."""
    for p in paths:
        if p.is_dir():
            found = []
            for folder, dirs, files in os.walk(p):
                # hidden folders (.git, .cache) hold tooling, never articles: do not even descend
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [Path(folder, f) for f in files if not f.startswith(".")]
            for f in sorted(found, key=lambda f: f.relative_to(p).parts):
                if f.is_file():
                    yield p, f
        elif p.is_file():
            yield p.parent, p
        else:
            problems.append(InputFileError(p, "no such file or folder; check the path"))


def load_file(
    path: str | Path, root: str | Path, *, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Document], list[InputFileError]]:
    """The documents in one file (id: its path relative to `root`), and problems with single JSONL lines.

    Raises InputFileError, naming the file, when none of the file can be used.
    """
    path, root = Path(path), Path(root)
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = repr(suffix) if suffix else "(no extension)"
        raise InputFileError(rel, f"unsupported file type {kind}; use one of {_SUPPORTED}")
    raw = _read_text(path, rel, max_file_mb)
    if suffix == ".jsonl":
        return _jsonl_documents(raw, rel)
    if suffix in HTML_SUFFIXES:
        text, meta = clean_html(raw)
        empty = "no article text found in the page; check that it is an article, or save its text as .txt"
    else:
        text, meta = clean_text(raw)
        empty = "no article text left after removing page boilerplate (menus, newsletter boxes, tags)"
    if not text:
        raise InputFileError(rel, empty)
    doc = Document(
        id=rel,
        text=text,
        title=meta.title or path.stem,
        source=meta.source,
        date=meta.date,
        author=meta.author,
        url=meta.url,
        path=rel,
    )
    return [doc], []


def _read_text(path: Path, name: str, max_file_mb: float) -> str:
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise InputFileError(
            name, f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB limit; split it into smaller files"
        )
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(name, "the file is UTF-16 encoded; re-save the file as UTF-8")
    if b"\x00" in data:
        raise InputFileError(name, "binary file (it contains NUL bytes), not text; use one of " + _SUPPORTED)
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = bom + exc.start  # offset in the file as saved, so a hex editor finds it
        raise InputFileError(
            name,
            f"not valid UTF-8 (byte 0x{data[at]:02x} at offset {at}); re-save the file as UTF-8",
            line=data.count(b"\n", 0, at) + 1,
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputFileError(name, "empty file (nothing but whitespace); add the article text or remove the file")
    return text


# --- JSON Lines ----------------------------------------------------------------------------------

_JSONL_FIELDS = ("title", "url", "date", "source", "author")


def _jsonl_documents(raw: str, rel: str) -> tuple[list[Document], list[InputFileError]]:
    docs, problems = [], []
    for n, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            docs.append(_jsonl_document(line, rel, n))
        except InputFileError as exc:
            problems.append(exc)
    if not docs:
        if len(problems) == 1:
            raise problems[0]
        first = problems[0]
        raise InputFileError(
            rel, f"no usable line: all {len(problems)} lines are bad, the first at line {first.line}: {first.reason}"
        )
    if len(problems) > _MAX_LINE_PROBLEMS:
        rest = len(problems) - _MAX_LINE_PROBLEMS
        problems = problems[:_MAX_LINE_PROBLEMS] + [
            InputFileError(rel, f"{rest} more bad line(s) not listed; fix the ones above first")
        ]
    return docs, problems


def _json_type(value) -> str:
    kinds = ((bool, "true/false"), (int, "a number"), (float, "a number"), (list, "a list"), (dict, "an object"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _jsonl_document(line: str, rel: str, n: int) -> Document:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        reason = f"malformed JSON ({exc.msg} at column {exc.colno}); put one JSON object on each line"
        raise InputFileError(rel, reason, line=n) from None
    if not isinstance(obj, dict):
        raise InputFileError(rel, f"expected a JSON object with 'id' and 'text', got {_json_type(obj)}", line=n)
    for key in ("id", "text"):
        if key not in obj:
            raise InputFileError(rel, f"missing field '{key}'; each line needs 'id' and 'text'", line=n)
    doc_id = obj["id"]
    # numeric ids are common in exported data sets; true/false is not an id
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise InputFileError(rel, f"field 'id' must be a string, not {_json_type(doc_id)}", line=n)
    if not str(doc_id).strip():
        raise InputFileError(rel, "field 'id' is empty", line=n)
    if not isinstance(obj["text"], str):
        raise InputFileError(rel, f"field 'text' must be a string, not {_json_type(obj['text'])}", line=n)
    if not obj["text"].strip():
        raise InputFileError(rel, "field 'text' is empty", line=n)
    for key in _JSONL_FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputFileError(rel, f"field '{key}' must be a string, not {_json_type(obj[key])}", line=n)
    # benchmark corpora are scored against their exact text: no cleaning, line endings only
    return Document(
        id=str(doc_id),
        text=obj["text"].replace("\r\n", "\n"),
        path=f"{rel}:{n}",
        **{key: obj.get(key) or "" for key in _JSONL_FIELDS},
    )


# --- cleaning scraped text: rules ----------------------------------------------------------------

# Site-voice lines no reported article prints: form labels, sign-up confirmations, membership and
# donation appeals. Specific enough to drop at any length.
_APPEAL = re.compile(
    "|".join(
        (
            r"\bindicates required\b",
            r"\benter (your|a|correct|valid) e-?mail",
            r"\bsuccess?ful?ly subscribed\b",
            r"\bthanks? (you )?for (signing up|subscribing)\b",
            r"\b(subscribe|sign up) (to|for) (our|this)\b",
            r"\bsubscribe (now|today|here)\b",
            r"\bgift(ing)? (a )?membership\b",
            r"\bbecome a (member|subscriber|patron|supporter)\b(?! of)",  # "become a member of NATO" is news
            r"\b(funded|supported) by (our )?readers\b",
            r"\breaders like you\b",
            r"\bmakes? a financial contribution\b",
            r"\bsupport (our|independent|quality) journalism\b",
            r"\bhelp (us )?fund our\b",
            r"\bhelp us (get|reach|find)\b.*\b(members|subscribers|supporters|donors)\b",
            r"\bthanks to (our )?(\d[\d,.]*k? )?(readers|supporters|members|subscribers)\b",
            r"\bthis audio is (created|generated) with ai\b",
            r"\ball rights reserved\b",
        )
    ),
    re.I,
)

# Page furniture: buttons, menus, share bars, card brands. Only short lines are dropped (labels,
# not sentences), so prose that merely mentions a newsletter or a login keeps its place.
_CARDS = r"(visa|master ?card|american ?express|amex|paypal|apple ?pay|google ?pay|maestro)"
_SOCIAL = r"(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|reddit|copy link|print)"
_FURNITURE = re.compile(
    r"^(?:"
    + "|".join(
        (
            r"subscribe\b.*",
            r".*\bnewsletters?\b.*",
            r"sign (up|in)( (now|here|today|for free))?",
            r"log ?(in|out)",
            r"register( now| here| for free)?",
            r"become a member\b(?! of).*",
            r"(gift )?membership",
            r"donate( now| today)?",
            r"skip to (main )?(content|navigation)",
            r"edit (post|page|article)",
            r"share( this)?( article| story| post)?( on \w+)?",
            r"(read|see) (more|also|next)\b.*",
            r"advertisement|sponsored( content)?|ad",
            r"(we use )?cookies\b.*\b(settings|policy|consent|accept)\b.*|cookie (settings|policy|preferences)",
            r"accept( all)?( cookies)?",
            r"follow us\b.*",
            r"(\d+ )?comments?( \(\d+\))?|leave a (comment|reply)",
            r"\d+ min(ute)?s? read",
            r"listen to (this )?(article|story)\b.*",
            r"loading",
            r"source site-?\d*",  # a scraper's placeholder, names no outlet
            rf"{_CARDS}(\W+{_CARDS})*",
            rf"{_SOCIAL}(\W+{_SOCIAL})+",
            r"(©|\(c\)|copyright)\s.*",
        )
    )
    + r")\W*$",
    re.I,
)
_FURNITURE_MAX_WORDS = 12
# Labelled lists that classify the page rather than tell the story, whatever their length.
_LABELLED = re.compile(r"^(tags?|filed under|posted in|categor(y|ies)|topics|related topics)\s*:", re.I)
# A clock time alone ("5:50 AM", "16:24,") stamps a feed item; with a date it stays (it dates the item).
_TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?(\s+[A-Z]{2,4})?\W*$", re.I)
_BREADCRUMB = re.compile(r"^home\s*[»>/›|]", re.I)
_CRUMB_SEP = re.compile(r"\s*[»>/›|]\s*")
# Section headers after which a page lists other articles, not this one.
_END_OF_ARTICLE = re.compile(
    r"^(news ?feed|more news|latest news|more stories|editors['’]? picks|related( articles| stories| news| posts)?"
    r"|read next|recommended( for you| stories)?|you (may|might) also like|most (read|popular)|trending( now)?"
    r"|top stories)\W*$",
    re.I,
)
# Words of site sections and tag clouds ("Armenia Azerbaijan EU Featured General News").
_SECTION_WORDS = frozenset(
    "news featured general global world politics political economy business lifestyle sport sports opinion "
    "analysis culture europe asia africa americas latest breaking top stories blog uncategorized uncategorised "
    "health science tech technology local national international regional entertainment video videos photos "
    "features editorial trending society security diplomacy defence defense military".split()
)
_CLOSERS = "\"'”’»)]"

# Metadata lines, read only before the article body starts or after it ends (a byline inside a
# digest of articles belongs to one of them, not to the file).
_SOURCE_LINE = re.compile(r"^(source|via|originally published (by|in|at|on))\s*:\s*(?P<value>.{2,80})$", re.I)
_BYLINE = re.compile(r"^(by|written by|words by|author|authors)\b\s*:?\s*(?P<rest>\S.*)$", re.I)
_DATE_LINE = re.compile(r"^((published|updated|posted|last updated)( on)?\s*:?\s*)?(?P<rest>.+)$", re.I)
_DESK = re.compile(r"^(?P<outlet>.+?)\s+(news ?desk|staff|newsroom|reporters?)$", re.I)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*(\n|\Z)", re.S)
_FRONT_KEYS = {"title": "title", "source": "source", "outlet": "source", "publisher": "source", "site": "source",
               "date": "date", "author": "author", "by": "author", "url": "url", "link": "url"}
_FRONT_LINE = re.compile(r"^[A-Za-z_][\w -]{0,40}:(\s|$)")
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*$")

_MONTHS = {m: i for i, ms in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"), start=1)
    for m in ms.split()}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = (
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{4}})\b", re.I),
    re.compile(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),  # also "2024-01-08T10:00"
)
_SPACES = re.compile(r"[ \t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def find_date(text: str) -> tuple[str, re.Match | None]:
    """The first full date with a year in `text`, as ISO YYYY-MM-DD ("" if none), and its match."""
    matches = sorted((m for p in _DATE_PATTERNS for m in p.finditer(text)), key=lambda m: m.start())
    for m in matches:
        month = m.group("month")
        month = int(month) if month.isdigit() else _MONTHS[month.lower()]
        try:
            return _date(int(m.group("year")), month, int(m.group("day"))).isoformat(), m
        except ValueError:  # "February 30, 2023" names no real day
            continue
    return "", None


def _normalise_line(line: str) -> str:
    # odd spaces (no-break, thin) and invisible marks break exact matching of answers and quotes
    return _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()


def _words(line: str) -> list[str]:
    return line.split()


def _drop_reason(line: str, counts: Counter) -> str | None:
    """Why `line` is page boilerplate wherever it stands, or None if it may be article text."""
    if not any(c.isalnum() for c in line):
        return "rule"  # "---", "* * *", a lone bullet: layout, nothing to quote
    if _APPEAL.search(line):
        return "appeal"
    if len(_words(line)) <= _FURNITURE_MAX_WORDS and _FURNITURE.match(line):
        return "furniture"
    if _LABELLED.match(line):
        return "labels"
    if _TIME_ONLY.match(line):
        return "time"
    if _END_OF_ARTICLE.match(line):
        return "section label"
    if counts[line] >= 3 and len(line) < 120:
        return "repeated"  # form labels and share bars printed over and over
    return None


def _ends_sentence(line: str) -> bool:
    # a closing quote or bracket ends a sentence only after a full stop: ‘Still Speaking Languages’ does not
    return line.rstrip(_CLOSERS).endswith((".", "!", "?", "…", ":", ";"))


def _is_prose(line: str, wrap: int = 0, next_line: str = "") -> bool:
    """A sentence-like line: where the article body starts and ends."""
    if len(_words(line)) < 8:
        return False
    if _ends_sentence(line):
        return True
    # a hard-wrapped body line runs on into the next one
    return bool(next_line) and (next_line[:1].islower() or bool(wrap and len(line) >= 0.6 * wrap))


def _is_tag_line(line: str) -> bool:
    """A run of capitalised category words with no sentence punctuation."""
    if re.search(r"[.!?:;\"“”()]", line):
        return False
    words = [w for w in re.split(r"[\s,|•·/]+", line) if w]
    if len(words) < 3 or not all(w[0].isupper() or w[0].isdigit() for w in words):
        return False
    sections = sum(w.lower() in _SECTION_WORDS for w in words)
    return sections >= 2 and sections * 3 >= len(words)


def _headline_like(line: str) -> bool:
    return 2 <= len(_words(line)) <= 25 and not line.endswith((".", "!", "?", ":", ";", "…", ","))


def _is_teaser(line: str) -> bool:
    """A cut-off preview of another article: a long line that ends in an ellipsis."""
    return len(line) > 80 and line.endswith(("…", "..."))


def _names(text: str) -> list[str] | None:
    """Person or outlet names in a byline ("Elsa Court and Jo Li"), or None if it reads like a sentence."""
    parts = [p.strip() for p in re.split(r"\s*(?:,|;|&|\band\b)\s*", text.strip(" ,;|-–—")) if p.strip()]
    name_word = re.compile(r"^([A-Z][\w.'’-]*|[A-Z]\.|(de|da|van|von|der|den|del|la|le|al|bin|ibn|el)\b)$")

    def is_name(part: str) -> bool:
        desk = _DESK.match(part)
        words = (desk.group("outlet") if desk else part).split()
        return 1 <= len(words) <= 7 and all(name_word.match(w) for w in words)

    return parts if parts and all(map(is_name, parts)) else None


def _take_metadata(line: str, meta: Metadata) -> bool:
    """Read a byline, "Source:" or date line into `meta`; True if the line was one."""
    m = _SOURCE_LINE.match(line)
    if m:
        value = m.group("value").strip()
        if re.match(r"^https?://\S+$", value):
            meta.fill(url=value)
        else:
            meta.fill(source=value)
        return True
    m = _BYLINE.match(line)
    if m and len(line) <= 200:
        rest = m.group("rest")
        iso, dm = find_date(rest)
        if dm:
            rest = rest[: dm.start()]
        pieces = re.split(r"\s+[|–—-]\s+|\s*\|\s*", rest)
        names = _names(pieces[0])
        if names is None:
            return False
        people = []
        for name in names:
            desk = _DESK.match(name)
            if desk:
                meta.fill(source=desk.group("outlet"))
            else:
                people.append(name)
        outlet = next((p.strip() for p in pieces[1:] if p.strip() and _names(p)), "")
        meta.fill(author=", ".join(people), date=iso, source=outlet)
        return True
    rest = _DATE_LINE.match(line).group("rest")
    iso, dm = find_date(rest)
    if iso and _only_dateline(rest[: dm.start()] + " " + rest[dm.end() :]):
        meta.fill(date=iso)
        return True
    return False


def _only_dateline(rest: str) -> bool:
    """What is left around a date is a dateline ("Brussels,", "09:15 CET"), not a sentence about the date."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", rest)
    small = ("am", "pm", "a.m", "p.m", "on", "at")
    return len(words) <= 3 and all(w[0].isupper() or w.lower().rstrip(".") in small for w in words)


def _front_matter(raw: str) -> tuple[str, Metadata]:
    meta = Metadata()
    m = _FRONT_MATTER.match(raw)
    pairs = [line for line in m.group("body").split("\n") if line.strip()] if m else []
    # only a block of "key: value" lines is front matter; a "---" rule above prose is not
    if not m or not all(_FRONT_LINE.match(line) or line.lstrip().startswith("#") for line in pairs):
        return raw, meta
    for line in pairs:
        key, _, value = line.partition(":")
        key, value = _FRONT_KEYS.get(key.strip().lower()), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip()
        if key == "date":
            value = find_date(value)[0]  # a date the reader could not parse is no date
        if key and value:
            meta.fill(**{key: value})
    return raw[m.end():], meta


# --- cleaning scraped text -----------------------------------------------------------------------


@dataclass
class _Para:
    text: str
    index: int  # line number in the input, to know whether the next line touches this one
    header: bool  # before the article body
    tail: int = 0  # length of its last line as printed, to recognise a hard wrap


def clean_text(raw: str) -> tuple[str, Metadata]:
    """Article prose of a scraped .txt/.md page, paragraphs separated by a blank line, and its metadata.

    Lines are kept whole or dropped (hard-wrapped lines are rejoined, odd spaces made plain), so every
    kept sentence reads as the page printed it.
    """
    body, meta = _front_matter(raw.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [_normalise_line(line) for line in body.split("\n")]
    counts = Counter(line for line in lines if line)
    dropped = [bool(line) and _drop_reason(line, counts) is not None for line in lines]
    wrap = _wrap_width(lines)
    nxt = lines[1:] + [""]
    prose = [not dropped[i] and _is_prose(line, wrap, nxt[i]) for i, line in enumerate(lines)]

    # the article ends where the page starts listing other articles, once some prose was seen
    end = next((i for i, line in enumerate(lines) if _END_OF_ARTICLE.match(line) and sum(prose[:i]) >= 3), len(lines))
    body_lines = [i for i in range(end) if prose[i]]
    first, last = (body_lines[0], body_lines[-1]) if body_lines else (end, -1)

    kept: list[_Para] = []
    crumb_title = md_title = ""
    for i, line in enumerate(lines[:end]):
        if not line or dropped[i]:
            continue
        edge = i < first or i > last  # header or footer: where pages print bylines, tags and sources
        if _BREADCRUMB.match(line):
            tail = _CRUMB_SEP.split(line)[-1].strip()
            if len(_words(tail)) >= 2 and not tail.endswith(("…", "...")):
                crumb_title = crumb_title or tail
            continue
        if edge and (_is_tag_line(line) or _take_metadata(line, meta)):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group("text")
            if len(heading.group("hashes")) == 1:
                md_title = md_title or line
        if _is_teaser(line):
            # a teaser's own headline sits just above it
            above = kept[-1] if kept else None
            if above and above.index == i - 1 and _headline_like(above.text):
                if above.text not in (crumb_title, md_title):
                    kept.pop()
            continue
        if kept and kept[-1].text == line:
            continue  # the same headline printed twice in a row
        if kept and not heading and _continues(kept[-1], line, i, wrap):
            kept[-1].text = _join(kept[-1].text, line)
            kept[-1].index, kept[-1].tail = i, len(line)
            continue
        kept.append(_Para(line, i, i < first, len(line)))

    headline = next((p.text for p in kept if p.header and _headline_like(p.text)), "")
    meta.fill(title=md_title or crumb_title or headline)
    return "\n\n".join(p.text for p in kept), meta


def _wrap_width(lines: list[str]) -> int:
    """The width a hard-wrapped file was wrapped at, or 0 when lines are whole paragraphs."""
    lengths = [len(line) for line in lines if line]
    if not lengths or max(lengths) > 100:
        return 0
    # wrapped text has blocks of several lines, most of them filled close to the width
    inner = [len(a) for a, b in zip(lines, lines[1:]) if a and b]
    if len(inner) < 3 or sum(n >= 0.6 * max(lengths) for n in inner) * 2 < len(inner):
        return 0
    return max(lengths)


def _continues(prev: _Para, line: str, i: int, wrap: int) -> bool:
    """Whether `line` is the rest of the paragraph above it (a hard line break, not a new paragraph)."""
    if prev.index != i - 1:
        return False  # a blank or dropped line between them
    if wrap and prev.tail >= 0.6 * wrap:
        return True
    # a sentence running on: no closing punctuation above, lowercase start below
    return not _ends_sentence(prev.text) and line[:1].islower()


def _join(prev: str, line: str) -> str:
    if re.search(r"[^\W\d_]-$", prev) and line[:1].islower():
        return prev + line  # a word hyphenated across the break
    return prev + " " + line


# --- HTML ----------------------------------------------------------------------------------------


def clean_html(raw: str) -> tuple[str, Metadata]:
    """Main text of an HTML page (via trafilatura), paragraphs separated by a blank line, and its metadata."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            raw,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # dates only from the page's markup and URL, not guessed from dates in the prose
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # lxml and trafilatura raise many kinds of errors on broken markup
        return "", Metadata()
    if doc is None:
        return "", Metadata()
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    lines = [_normalise_line(line) for line in (data.get("text") or "").split("\n")]
    counts = Counter(line for line in lines if line)
    paragraphs = [line for line in lines if line and _drop_reason(line, counts) is None]
    if not any(_is_prose(p) for p in paragraphs):
        return "", Metadata()  # trafilatura falls back to menus and link lists when a page has no article
    source = _normalise_line(data.get("sitename") or "")
    title = _normalise_line(data.get("title") or "")
    if source:
        # "Harbour reopens | Coastal Times": the outlet is already the source
        title = re.sub(rf"\s+[|–—-]\s+{re.escape(source)}$", "", title)
    date = data.get("date") or ""
    meta = Metadata(
        title=title,
        source=source,
        date=date[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", date) else "",
        author=_normalise_line(data.get("author") or ""),
        url=data.get("url") or "",
    )
    return "\n\n".join(paragraphs), meta
