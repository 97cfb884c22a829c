"""Files and folders: which files are articles, reading them safely, and loading a whole corpus."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import EmptyCorpusError, InputFileError
from ..records import Document
from .digest import split_articles
from .html import clean_html
from .jsonl import jsonl_documents
from .text import clean_page

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".jsonl",)
MAX_FILE_MB = 50
ACCEPTED = (
    ".txt or .md (an article as text), .html or .htm (a saved web page), "
    ".jsonl (one JSON object a line with 'id' and 'text'); all UTF-8"
)
_SUPPORTED = ".txt, .md, .html, .jsonl"
_MB = 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# An error that lists every bad file would bury the first ones; the rest are counted.
_PROBLEMS_SHOWN = 3


@dataclass
class IngestResult:
    """The documents loaded, and one problem per file (or JSONL line) that could not be used."""

    documents: list[Document] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)


# --- finding files -------------------------------------------------------------------------------


def list_files(root: str | Path) -> list[Path]:
    """The article files load_corpus would read under folder `root`, in its order ([] if no such folder).

    Every regular file with a supported suffix; hidden files and folders are skipped.
    """
    return [f for f in _folder_files(Path(root)) if f.suffix.lower() in SUFFIXES]


def _folder_files(root: Path) -> list[Path]:
    """Every regular file under `root` that is not hidden, sorted as their ids sort (by path parts)."""
    found = []
    for folder, dirs, files in os.walk(root):
        # hidden folders (.git, .cache) hold tooling, never articles: do not even descend
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, f) for f in files if not f.startswith(".")]
    return [f for f in sorted(found, key=lambda f: f.relative_to(root).parts) if f.is_file()]


def _walk(paths: list[Path], problems: list[InputFileError]) -> Iterator[tuple[Path, Path]]:
    """(root, file) pairs; a missing path is a problem, not the end of the load."""
    for p in paths:
        if p.is_dir():
            for f in _folder_files(p):
                yield p, f
        elif p.is_file():
            yield p.parent, p
        else:
            problems.append(InputFileError(p, "no such file or folder; check the path"))


# --- loading -------------------------------------------------------------------------------------


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
        raise _nothing_loaded(paths, result.problems)
    return result


def _nothing_loaded(paths: list[Path], problems: list[InputFileError]) -> EmptyCorpusError:
    where = ", ".join(map(str, paths)) or "(no path given)"
    if problems:
        n = len(problems)
        shown = "; ".join(map(str, problems[:_PROBLEMS_SHOWN]))
        if n > _PROBLEMS_SHOWN:
            shown += f"; and {n - _PROBLEMS_SHOWN} more"
        detail = f"{n} problem(s): {shown}"
    else:
        detail = "no files found"
    return EmptyCorpusError(f"no documents loaded from {where}: {detail}. Accepted formats: {ACCEPTED}")


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


def load_file(
    path: str | Path, root: str | Path, *, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Document], list[InputFileError]]:
    """The documents in one file (id: its path relative to `root`), and problems with single JSONL lines.

    A .txt/.md/.html file is one document, or, when it is a digest of several articles, one per
    article (ids "<file id>#1", "#2", …; see `digest.split_articles`).

    Raises InputFileError, naming the file, when none of the file can be used.
    """
    path, root = Path(path), Path(root)
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = repr(suffix) if suffix else "(no extension)"
        raise InputFileError(rel, f"unsupported file type {kind}; use one of {_SUPPORTED}")
    raw = read_text(path, rel, max_file_mb)
    if suffix == ".jsonl":
        return jsonl_documents(raw, rel)
    stamps: tuple[int, ...] = ()
    if suffix in HTML_SUFFIXES:
        text, meta = clean_html(raw)
        empty = "no article text found in the page; check that it is an article, or save its text as .txt"
    else:
        cleaned = clean_page(raw)
        text, meta, stamps = cleaned.text, cleaned.meta, cleaned.stamps
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
    # a digest of several articles becomes its articles (JSONL documents, returned above, never are)
    return split_articles(doc, stamps), []


def read_text(path: str | Path, name: str, max_file_mb: float = MAX_FILE_MB) -> str:
    """The text of file `path` with "\\n" line endings; InputFileError (naming it `name`) if it is no usable text.

    Refuses files over `max_file_mb`, UTF-16, binary (NUL bytes), invalid UTF-8 and blank files.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > max_file_mb * _MB:
        raise InputFileError(
            name, f"file is {size / _MB:.1f} MB, over the {max_file_mb:g} MB limit; split it into smaller files"
        )
    data = path.read_bytes()
    if data.startswith(_UTF16_BOMS):
        raise InputFileError(name, "the file is UTF-16 encoded; re-save the file as UTF-8")
    if b"\x00" in data:
        raise InputFileError(name, "binary file (it contains NUL bytes), not text; use one of " + _SUPPORTED)
    bom = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
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
