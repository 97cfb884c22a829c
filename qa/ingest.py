"""Loading articles: read files, strip page boilerplate, find the metadata the text gives.

The cleaned text a `Document` carries is what every quote is cut from, so cleaning happens
once, here, and nothing downstream changes the text again.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

from .errors import EmptyCorpusError, InputFileError
from .records import Document

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".jsonl",)
MAX_FILE_MB = 50
_SUPPORTED = ", ".join((".txt", ".md", ".html", ".jsonl"))


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------------


def _read_text(path: Path, max_file_mb: float, name: str) -> str:
    size = path.stat().st_size
    if size > max_file_mb * 1024 * 1024:
        raise InputFileError(name, f"file is {size / 1048576:.1f} MB, over the {max_file_mb:g} MB limit; split it into smaller files")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputFileError(name, "binary file, not text; save the article as .txt, .md, .html or .jsonl")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            name, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the file as UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputFileError(name, "empty file; add the article text or remove the file")
    return text


def load_corpus(paths: Iterable[str | Path], *, max_file_mb: float = MAX_FILE_MB) -> IngestResult:
    """Load every supported file under `paths` (files or folders, read recursively).

    Files that cannot be used become one-line problems; the rest still load. Raises
    EmptyCorpusError only when no document at all could be loaded.
    """
    result = IngestResult()
    seen: dict[str, str] = {}
    for root, path in _walk(paths):
        try:
            docs, problems = load_file(path, root, max_file_mb=max_file_mb)
        except InputFileError as exc:
            result.problems.append(exc)
            continue
        result.problems.extend(problems)
        for doc in docs:
            if doc.id in seen:
                result.problems.append(
                    InputFileError(doc.path, f"duplicate document id {doc.id!r} (also in {seen[doc.id]}); ids must be unique")
                )
                continue
            seen[doc.id] = doc.path
            result.documents.append(doc)
    if not result.documents:
        detail = f"; {len(result.problems)} file(s) skipped: " + "; ".join(map(str, result.problems[:3])) if result.problems else ""
        raise EmptyCorpusError(f"no documents found in {', '.join(map(str, paths))}: add {_SUPPORTED} files{detail}")
    return result


def _walk(paths: Iterable[str | Path]):
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    yield p, f
        elif p.is_file():
            yield p.parent, p
        else:
            raise EmptyCorpusError(f"{p}: no such file or folder")


def load_file(
    path: str | Path, root: str | Path, *, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Document], list[InputFileError]]:
    """The documents in one file, and problems with single JSONL lines (the good lines still load).

    Raises InputFileError, naming the file, when none of it can be used."""
    path, root = Path(path), Path(root)
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputFileError(rel, f"unsupported file type {suffix or '(none)'!r}; use one of {_SUPPORTED}")
    raw = _read_text(path, max_file_mb, rel)
    if suffix == ".jsonl":
        return _jsonl_documents(raw, rel)
    if suffix in HTML_SUFFIXES:
        text, meta = clean_html(raw)
    else:
        text, meta = clean_text(raw)
    if not text.strip():
        raise InputFileError(rel, "no article text left after removing page boilerplate")
    doc = Document(
            id=rel,
            text=text,
            title=meta.get("title") or path.stem,
            source=meta.get("source", ""),
            date=meta.get("date", ""),
            author=meta.get("author", ""),
            url=meta.get("url", ""),
            path=rel,
        )
    return [doc], []


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
        raise problems[0] if len(problems) == 1 else InputFileError(
            rel, f"no usable line ({len(problems)} bad, first: line {problems[0].line}: {problems[0].reason})"
        )
    return docs, problems


def _jsonl_document(line: str, rel: str, n: int) -> Document:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputFileError(rel, f"malformed JSON ({exc.msg} at column {exc.colno}); one JSON object a line", line=n) from None
    if not isinstance(obj, dict):
        raise InputFileError(rel, "expected a JSON object with 'id' and 'text'", line=n)
    for key in ("id", "text"):
        if key not in obj:
            raise InputFileError(rel, f"missing field '{key}'", line=n)
    if not isinstance(obj["id"], (str, int)) or not str(obj["id"]).strip():
        raise InputFileError(rel, "field 'id' must be a non-empty string", line=n)
    if not isinstance(obj["text"], str):
        raise InputFileError(rel, "field 'text' must be a string", line=n)
    if not obj["text"].strip():
        raise InputFileError(rel, "field 'text' is empty", line=n)
    for key in _JSONL_FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputFileError(rel, f"field '{key}' must be a string", line=n)
    # benchmark corpora are scored against their exact text: keep it as it is
    return Document(
        id=str(obj["id"]),
        text=obj["text"].replace("\r\n", "\n"),
        path=f"{rel}:{n}",
        **{key: obj.get(key) or "" for key in _JSONL_FIELDS},
    )


# --- cleaning scraped text ---------------------------------------------------------------------

# Lines that are page furniture, not article prose: newsletter and membership boxes, navigation,
# sharing and cookie prompts. Matched anywhere in a line, case-insensitively.
_BOILERPLATE = re.compile(
    r"subscri(be|ption)|newsletter|indicates required|enter (your|correct) email|e-?mail address|sign(ing)? up"
    r"|successfu(l)?ly subscribed|become a member|gift (a )?membership|new members|funded by our readers"
    r"|financial contribution|supporters\b|help (us )?fund|skip to (main )?content|^edit post$|^news feed$"
    r"|^more news$|^editors['’] picks$|^read more$|^related( articles| stories)?$|^advertisement$"
    r"|cookie|all rights reserved|^share (this|on)|follow us|this audio is created with ai"
    r"|^(visa|mastercard|american ?express|paypal)(\s+(visa|mastercard|american ?express|paypal))*$"
    r"|^source site-?\d*$",
    re.IGNORECASE,
)
# After one of these section headers, the rest of the page is other articles, not this one.
_END_OF_ARTICLE = re.compile(r"^(news feed|more news|editors['’] picks|related (articles|stories)|read next)$", re.I)
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}\s*(am|pm)?$", re.I)
_BREADCRUMB = re.compile(r"^home\s*[»>/›]", re.I)
_SOURCE_LINE = re.compile(r"^source\s*:\s*(?P<source>.{2,60})$", re.I)
_BYLINE = re.compile(r"^by\s+(?P<rest>.+)$", re.I)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?P<mdy>(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})\b|\b(?P<dmy>\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}})\b|\b(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})\b",
    re.I,
)
_FRONT_MATTER = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.S)
_SENTENCE_PUNCT = re.compile(r"[.,;:!?\"“”()]")


def _parse_date(text: str) -> str:
    m = _DATE.search(text)
    if not m:
        return ""
    for key, fmt in (("mdy", "%B %d, %Y"), ("dmy", "%d %B %Y"), ("iso", "%Y-%m-%d")):
        if m.group(key):
            try:
                return datetime.strptime(m.group(key).title() if key != "iso" else m.group(key), fmt).strftime("%Y-%m-%d")
            except ValueError:
                return ""
    return ""


def _is_tag_line(line: str) -> bool:
    """A run of capitalised category words ("Armenia Azerbaijan EU Featured News") with no punctuation."""
    words = line.split()
    return len(words) >= 4 and not _SENTENCE_PUNCT.search(line) and all(w[0].isupper() for w in words)


def _is_teaser(line: str) -> bool:
    """A cut-off preview of another article: it ends in an ellipsis mid-sentence."""
    return line.endswith(("…", "...")) and len(line) > 80


def _headline_like(line: str) -> bool:
    return 2 <= len(line.split()) <= 25 and not line.endswith((".", "!", "?", ":", "…"))


def _parse_byline(rest: str, meta: dict) -> None:
    date = _parse_date(rest)
    if date:
        meta.setdefault("date", date)
        rest = rest[: _DATE.search(rest).start()]
    names = re.split(r"\s*(?:,|\band\b)\s*", rest.strip())
    people = []
    for name in names:
        desk = re.match(r"(?P<outlet>.+?)\s+news\s+desk$", name, re.I)
        if desk:
            meta.setdefault("source", desk.group("outlet").strip())
        elif name:
            people.append(name)
    if people:
        meta.setdefault("author", ", ".join(people))


def _front_matter(raw: str) -> tuple[str, dict]:
    m = _FRONT_MATTER.match(raw)
    if not m:
        return raw, {}
    meta = {}
    for line in m.group("body").split("\n"):
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() in ("title", "source", "date", "author", "url"):
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return raw[m.end() :], meta


def clean_text(raw: str) -> tuple[str, dict]:
    """Article prose of a scraped .txt/.md page, paragraphs separated by a blank line, and its metadata."""
    raw, meta = _front_matter(raw.replace("\r\n", "\n"))
    lines = [ln.strip() for ln in raw.split("\n")]
    counts = Counter(ln for ln in lines if ln)
    kept: list[str] = []
    title = meta.get("title", "")
    for i, line in enumerate(lines):
        if not line:
            continue
        if _END_OF_ARTICLE.match(line) and len(kept) >= 3:
            break
        if _BREADCRUMB.match(line):
            title = title or re.split(r"\s*[»>/›]\s*", line)[-1].strip()
            continue
        src = _SOURCE_LINE.match(line)
        if src and not re.match(r"^site-?\d*$", src.group("source").strip(), re.I):
            meta.setdefault("source", src.group("source").strip())
            continue
        by = _BYLINE.match(line)
        if by and len(line) < 200 and (_DATE.search(line) or "news desk" in line.lower() or len(line.split()) <= 8):
            _parse_byline(by.group("rest"), meta)
            continue
        if line.startswith("#"):
            line = line.lstrip("#").strip()
            title = title or line
        if (
            _BOILERPLATE.search(line)
            or _TIME_ONLY.match(line)
            or _is_tag_line(line)
            or (counts[line] >= 3 and len(line) < 120)  # repeated form text
        ):
            continue
        if _is_teaser(line):
            if kept and _headline_like(kept[-1]) and kept[-1] != title:
                kept.pop()  # the teaser's own headline goes with it
            continue
        if kept and kept[-1] == line:
            continue  # the same headline printed twice in a row
        kept.append(line)
    text = "\n\n".join(kept)
    if not title:
        first = kept[0] if kept else ""
        title = first if _headline_like(first) else _shorten(first)
    meta["title"] = title
    return text, meta


def _shorten(text: str, limit: int = 90) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# --- HTML --------------------------------------------------------------------------------------


def clean_html(raw: str) -> tuple[str, dict]:
    """Main text of an HTML page (trafilatura), paragraphs separated by a blank line, and its metadata."""
    import trafilatura

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=False)
    if doc is None:
        return "", {}
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    meta = {
        "title": data.get("title") or "",
        "source": data.get("sitename") or "",
        "date": (data.get("date") or "")[:10],
        "author": data.get("author") or "",
        "url": data.get("url") or "",
    }
    return "\n\n".join(paragraphs), {k: v for k, v in meta.items() if v}
