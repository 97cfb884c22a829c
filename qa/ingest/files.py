"""Files and folders: which files are articles, reading them safely, and loading a whole corpus."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Iterable, Iterator

from ..errors import EmptyCorpusError, InputFileError
from ..records import Document
from .digest import split_articles
from .encoding import decode_text
from .html import clean_html
from .jsonl import jsonl_documents
from .metadata import Metadata
from .pdf import read_pdf
from .problems import (
    BAD_NAME,
    BAD_TEXT,
    DAMAGED,
    DUPLICATE,
    EMPTY,
    MISSING,
    SPECIAL,
    TOO_BIG,
    UNEXPECTED,
    UNREADABLE,
    UNSUPPORTED,
    grouped,
    problem,
    shown,
    unsafe_char_reason,
)
from .text import clean_page
from .walk import kind_name, os_reason, relative, scan_folder
from .word import read_docx

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + (".jsonl", ".pdf", ".docx")
MAX_FILE_MB = 50
ACCEPTED = (
    ".txt or .md (an article as text), .html or .htm (a saved web page), "
    ".jsonl (one JSON object a line with 'id' and 'text'), in UTF-8 (or UTF-16 with a byte order mark, "
    "or a legacy encoding that reads clearly); "
    ".pdf with a text layer, .docx (Word)"
)
_SUPPORTED = ".txt, .md, .html, .jsonl, .pdf, .docx"
_MB = 1024 * 1024
# An error that lists every bad file would bury the first ones; the rest are counted.
_PROBLEMS_SHOWN = 3


@dataclass
class IngestResult:
    """The documents loaded, one problem per file (or JSONL line) that could not be used, and how
    many hidden files and folders were skipped.

    A load fills it a file at a time, in file order (`add`), and `finish`es it; the Ray pipeline
    (qa/indexing/distributed.py) reads the files elsewhere and fills it the same way."""

    documents: list[Document] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)
    skipped_hidden: int = 0
    _claims: list[Document] = field(default_factory=list, repr=False, compare=False)  # documents as read

    def reasons(self) -> list[tuple[str, int]]:
        """(kind of problem, how many), most frequent first: what a summary prints."""
        return grouped(self.problems)

    def add(self, documents: Iterable[Document], problems: Iterable[InputFileError] = ()) -> None:
        """One file's documents and problems (`load_file_safely`), in file order; which document holds
        an id claimed more than once is decided by `finish`."""
        self.problems.extend(problems)
        self._claims.extend(documents)

    def finish(self, paths: list[Path], *, allow_empty: bool = False, replace: Iterable[str] = ()) -> "IngestResult":
        """Each id given one holder (`owners`; every other claim to it is a problem naming both places,
        `replace` as for load_corpus), problems put in file order; EmptyCorpusError naming `paths` when
        no document loaded at all, unless `allow_empty`."""
        kept, refused = owners(self._claims, set(replace))
        self.documents.extend(kept)
        self.problems.extend(refused)
        self._claims = []
        # links and special files were found while walking, before any file was read; a JSONL file's
        # "N more bad lines" note stays after its lines
        self.problems.sort(key=lambda p: (p.path.split("/"), p.line if p.line is not None else float("inf")))
        if not self.documents and not allow_empty:
            raise _nothing_loaded(paths, self.problems)
        return self


# --- finding files -------------------------------------------------------------------------------


def list_files(root: str | Path) -> list[Path]:
    """The article files load_corpus would read under folder `root`, in its order ([] if no such folder).

    Every regular file with a supported suffix; hidden files and folders, special files and links
    that leave the folder are skipped (see `walk`).
    """
    root = Path(root)
    if not root.is_dir():
        return []
    return [f for f in scan_folder(root).files if f.suffix.lower() in SUFFIXES]


def walk_files(paths: list[Path], result: IngestResult) -> Iterator[tuple[Path, Path]]:
    """(root, file) pairs under `paths`, in load order; a path that cannot be read is a problem in
    `result`, not the end of the load.

    A path named explicitly is read even when hidden or a link: the caller chose it."""
    for p in paths:
        try:
            mode = p.stat().st_mode
        except OSError as exc:
            missing = isinstance(exc, FileNotFoundError)
            reason = "no such file or folder; check the path" if missing else os_reason(exc)
            result.problems.append(problem(p, reason, MISSING if missing else UNREADABLE))
            continue
        if stat.S_ISDIR(mode):
            scan = scan_folder(p)
            result.problems.extend(scan.problems)
            result.skipped_hidden += scan.hidden
            for f in scan.files:
                yield p, f
        elif stat.S_ISREG(mode):
            yield p.parent, p
        else:
            result.problems.append(problem(p, f"{kind_name(mode)}, not a file; skipped without opening it", SPECIAL))


# --- loading -------------------------------------------------------------------------------------


def load_corpus(
    paths: Iterable[str | Path] | str | Path,
    *,
    max_file_mb: float = MAX_FILE_MB,
    allow_empty: bool = False,
    replace: Iterable[str] = (),
) -> IngestResult:
    """Load every file under `paths` (files, or folders read recursively in sorted order).

    A file that cannot be used becomes one problem and the others still load. Each document id has
    one holder (`owners`); every other claim to it is one problem naming both places. Raises
    EmptyCorpusError when no document at all could be loaded, unless `allow_empty`.
    """
    roots = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    result = IngestResult()
    for root, path in walk_files(roots, result):
        result.add(*load_file_safely(path, root, max_file_mb))
    return result.finish(roots, allow_empty=allow_empty, replace=replace)


def load_file_safely(
    path: Path, root: Path, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Document], list[InputFileError]]:
    """`load_file`, with any failure as one problem naming the file: one odd file never ends a load."""
    try:
        docs, line_problems = load_file(path, root, max_file_mb=max_file_mb)
        bad = [_unusable(d) for d in docs]
        return [d for d, why in zip(docs, bad) if why is None], line_problems + [why for why in bad if why]
    except InputFileError as exc:
        return [], [exc]
    except OSError as exc:
        return [], [problem(relative(path, root), os_reason(exc), UNREADABLE)]
    except (RecursionError, MemoryError) as exc:
        reason = f"too deeply nested or too large to read ({type(exc).__name__}); simplify or split the file"
        return [], [problem(relative(path, root), reason, DAMAGED)]
    except Exception as exc:  # noqa: BLE001 - a parser's bug on one file must not end the run
        reason = f"could not be read ({type(exc).__name__}: {exc}); skipped, please report it with the file"
        return [], [problem(relative(path, root), reason[:500], UNEXPECTED)]


def _unusable(doc: Document) -> InputFileError | None:
    """A problem when a loaded document still holds what no later stage can take: a lone surrogate
    (not writable as UTF-8: spaCy and the index would fail on it mid-build) or a NUL character.

    JSONL lines are checked with their line number on reading; this net catches any other way in
    (an HTML character reference, a library's odd output), refusing rather than repairing the text."""
    for key in ("id", "text", "title", "source", "date", "author", "url"):
        value = getattr(doc, key)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            reason = f"{key} holds a lone surrogate at character {exc.start + 1}; fix the file"
            return problem(doc.path, reason, BAD_TEXT)
        if "\x00" in value:
            reason = f"{key} holds a NUL character at character {value.index(chr(0)) + 1}; fix the file"
            return problem(doc.path, reason, BAD_TEXT)
    return None


def _nothing_loaded(paths: list[Path], problems: list[InputFileError]) -> EmptyCorpusError:
    where = ", ".join(shown(str(p)) for p in paths) or "(no path given)"
    if problems:
        n = len(problems)
        listed = "; ".join(map(str, problems[:_PROBLEMS_SHOWN]))
        if n > _PROBLEMS_SHOWN:
            listed += f"; and {n - _PROBLEMS_SHOWN} more"
        detail = f"{n} problem(s): {listed}"
    else:
        detail = "no files found"
    return EmptyCorpusError(f"no documents loaded from {where}: {detail}. Accepted formats: {ACCEPTED}")


def owners(
    claims: list[Document], replace: AbstractSet[str] = frozenset()
) -> tuple[list[Document], list[InputFileError]]:
    """One document per id, in corpus order, and one problem per other claim to an id (naming both places).

    An id's holder is the file whose own path it is (a file's id cannot be taken by a JSONL line that
    names it), else its first claim in corpus order: so which text an id holds never depends on how
    files sort, and a second claim never replaces the first. For an id in `replace` the last claim
    wins instead: the owner asked, by name, for that text to replace it."""
    by_id: dict[str, list[int]] = {}
    for i, d in enumerate(claims):
        by_id.setdefault(d.id, []).append(i)
    holder: dict[str, int] = {}
    for doc_id, found in by_id.items():
        if len(found) > 1:
            ranked = sorted(found, key=lambda i: (_jsonl_line(claims[i].path) is not None, i))
            holder[doc_id] = ranked[-1] if doc_id in replace else ranked[0]
    kept, refused = [], []
    for i, d in enumerate(claims):
        first = holder.get(d.id, i)
        if first == i:
            kept.append(d)
        else:
            refused.append(duplicate_claim(d, claims[first].path, replaced=d.id in replace))
    return kept, refused


def _jsonl_line(path: str) -> tuple[str, int] | None:
    """(file, line) of a JSONL document's path "file.jsonl:LINE"; None for a file's own path."""
    file, sep, line = path.rpartition(":")
    return (file, int(line)) if sep and line.isdigit() and file.lower().endswith(".jsonl") else None


def duplicate_claim(doc: Document, holder: str, *, replaced: bool = False) -> InputFileError:
    """The problem line of a claim to an id another place holds: both places named."""
    file, line = _jsonl_line(doc.path) or (doc.path, None)
    if replaced:
        reason = (
            f"duplicate document id {doc.id!r} (also in {holder}); replaced by that later claim, "
            "as asked with --replace"
        )
    else:
        reason = (
            f"duplicate document id {doc.id!r} (also in {holder}); ids must be unique, so this one was "
            f"skipped and {holder} keeps its text"
        )
    return problem(file, reason, DUPLICATE, line=line)


def load_file(
    path: str | Path, root: str | Path, *, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Document], list[InputFileError]]:
    """The documents in one file (id: its path relative to `root`), and problems with single JSONL lines.

    A .txt/.md/.html file is one document, or, when it is a digest of several articles, one per
    article (ids "<file id>#1", "#2", …; see `digest.split_articles`). A .pdf keeps where each page
    starts (`Document.pages`).

    Raises InputFileError, naming the file, when none of the file can be used.
    """
    path, root = Path(path), Path(root)
    rel = relative(path, root)
    bad = unsafe_char_reason(rel, "file name")
    if bad:
        raise problem(rel, bad, BAD_NAME)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        kind = repr(suffix) if suffix else "(no extension)"
        raise problem(rel, f"unsupported file type {kind}; use one of {_SUPPORTED}", UNSUPPORTED)
    if suffix in (".pdf", ".docx"):
        return [_paged_document(path, rel, suffix, max_file_mb)], []
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
        raise problem(rel, empty, EMPTY)
    doc = _document(rel, text, meta, path.stem)
    # a digest of several articles becomes its articles (JSONL documents, returned above, never are)
    return split_articles(doc, stamps), []


def _document(rel: str, text: str, meta: Metadata, stem: str, pages: tuple[int, ...] = ()) -> Document:
    return Document(
        id=rel,
        text=text,
        title=meta.title or stem,
        source=meta.source,
        date=meta.date,
        author=meta.author,
        url=meta.url,
        path=rel,
        pages=pages,
    )


def _paged_document(path: Path, rel: str, suffix: str, max_file_mb: float) -> Document:
    """A .pdf (text layer, page by page) or .docx file as one document; never split as a digest."""
    data = read_bytes(path, rel, max_file_mb)
    if suffix == ".pdf":
        text, pages, meta = read_pdf(data, rel)
    else:
        text, meta = read_docx(data, rel)
        pages = ()
    return _document(rel, text, meta, path.stem, pages)


def read_bytes(path: str | Path, name: str, max_file_mb: float = MAX_FILE_MB) -> bytes:
    """The bytes of regular file `path`, at most `max_file_mb`; InputFileError (naming it `name`) otherwise.

    Only a regular file is opened (a FIFO would wait forever for a writer, a device may never end);
    the check is made again on the open file, in case the path changed in between."""
    limit = int(max_file_mb * _MB)
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise problem(name, f"{kind_name(mode)}, not a file; skipped without opening it", SPECIAL)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise problem(name, f"{kind_name(st.st_mode)}, not a file; skipped without opening it", SPECIAL)
            _check_size(st.st_size, limit, name, max_file_mb)
            data = fh.read(limit + 1)  # a file that grows while it is read still stops at the limit
    except OSError as exc:
        raise problem(name, os_reason(exc), UNREADABLE) from None
    _check_size(len(data), limit, name, max_file_mb)
    return data


def _check_size(size: int, limit: int, name: str, max_file_mb: float) -> None:
    if size > limit:
        reason = f"file is {size / _MB:.1f} MB, over the {max_file_mb:g} MB limit; split it into smaller files"
        raise problem(name, reason, TOO_BIG)


def read_text(path: str | Path, name: str, max_file_mb: float = MAX_FILE_MB) -> str:
    """The text of file `path` with "\\n" line endings; InputFileError (naming it `name`) if it is no usable text.

    Refuses files over `max_file_mb`, binary (NUL bytes), damaged UTF-8, text whose encoding is
    unclear, and blank files; reads UTF-16/32 with a byte order mark and clear single-byte legacy
    encodings (encoding.py)."""
    text = decode_text(read_bytes(path, name, max_file_mb), name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise problem(name, "empty file (nothing but whitespace); add the article text or remove the file", EMPTY)
    return text
