"""The app's side of the library: one shared Assistant, and building, asking and uploading through it.

Everything goes through `qa.api`. An upload extends a second Assistant over the same index and
swaps it in under a lock, so questions keep being answered while the new text is embedded.

Uploads are kept: each file that loads is saved in the corpus folder under `uploads/` (a new,
safe name; never over another file, never through a symbolic link) before it is indexed, so the
corpus stays the one source of truth and the next `qa index` keeps it. Its document id is
`uploads/<name>` both ways.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import stat
import tempfile
import threading
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import AbstractSet, Callable, Mapping, NamedTuple, Sequence

from ..api import SUFFIXES, Assistant, WebReport, corpus_files, fetch_articles, fetch_feed_updates, load_documents
from ..config import Config
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError, QAError
from ..progress import Progress, throttled
from ..records import Answer, Document
from .html import status_text
from .upload_names import UploadNames

UPLOAD_TYPES = SUFFIXES
UPLOADS = "uploads"  # uploaded files are saved in <corpus>/uploads/ and become documents `uploads/<name>`
MAX_NAME_BYTES = 150  # an upload's file name, in UTF-8 bytes: far under the usual 255, with room for "-2"
_MAX_SUFFIX = 16  # a longer "extension" is part of the name (and then no accepted type)
Log = Callable[[str], None]
# `qa serve` answers HTTP before the index is open (importing torch and spaCy takes seconds); a
# request that needs the index meanwhile waits up to OPEN_WAIT_S. A first-run build can take longer:
# such a request is then told the index is being built.
OPEN_WAIT_S = 120
OPENING = "Opening the index …"
BUILDING = "Building the index from the corpus folder; the page fills in when it is ready. Reload in a minute."
FETCH_SHARE = 0.8  # of an "Add by link" bar: fetching pages takes most of the time, indexing them the rest


def print_line(message: str) -> None:
    print(message, flush=True)


def suffix_list() -> str:
    """The accepted file types as prose: ".txt, .md, … or .jsonl"."""
    return ", ".join(SUFFIXES[:-1]) + " or " + SUFFIXES[-1]


@dataclass
class UploadReport:
    added: list[str] = field(default_factory=list)  # document ids now in the index
    replaced: list[str] = field(default_factory=list)  # ids that were there before (the same file again)
    problems: list[str] = field(default_factory=list)  # one line each: file and reason
    total: int = 0
    renamed: list[str] = field(default_factory=list)  # "uploaded name → saved name", when they differ
    overwritten: list[str] = field(default_factory=list)  # ids another place held, replaced as asked by name


class Service:
    """The one Assistant every session shares, plus what the app needs around it."""

    def __init__(self, config: Config, assistant: Assistant | None = None, message: str = ""):
        self.config = config
        self._assistant = assistant
        self.message = message  # why there is no index, when there is none
        self._swap = threading.Lock()  # guards replacing the assistant
        self._ask = threading.Lock()  # one question at a time on the shared assistant
        self._write = threading.Lock()  # one build or upload at a time
        self._reload = threading.Lock()  # one reload of an index changed by another process at a time
        self._settled = threading.Event()  # cleared while the index is being opened (see `opening`)
        self._settled.set()
        self.tmp = Path(tempfile.mkdtemp(prefix="qa-app-"))
        self.log: Log = print_line  # where `open` was told to log (reloads log there too)
        self.upload_names = UploadNames()  # names of uploads the web server renamed as they arrived

    # --- starting ----------------------------------------------------------------------------

    @classmethod
    def start(cls, config: Config, *, log: Log = print_line, build: bool = True) -> "Service":
        """Open the index; on a first run (no index, articles in corpus/) build it, logging progress."""
        service = cls.opening(config)
        service.open(log=log, build=build)
        return service

    @classmethod
    def opening(cls, config: Config) -> "Service":
        """A service whose index is still to be opened by `open()`: the server can answer HTTP at
        once, and requests that need the index wait for it (`settle`)."""
        service = cls(config, None, OPENING)
        service._settled.clear()
        return service

    def open(self, *, log: Log = print_line, build: bool = True) -> None:
        """Open the index into this service, or build it on a first run; then release waiting requests."""
        cfg = self.config
        self.log = log
        try:
            try:
                assistant = Assistant.load(cfg.index_dir, cfg)
            except (IndexMissingError, IndexIncompatibleError) as exc:
                reason = str(exc)
            else:
                _warn_if_stale(assistant, cfg, log)
                _note_embedder(assistant, log)
                self._install(assistant)
                return
            if not corpus_files(cfg.corpus_dir):
                self.message = _no_index_message(cfg, reason)
            elif not build:
                self.message = reason
            else:
                self.message = BUILDING
                try:
                    self.build(log=log)
                except EmptyCorpusError as exc:
                    self.message = f"{exc}. Fix the files in {cfg.corpus_dir}/ and build again, or upload articles."
        finally:
            self._settled.set()

    def settle(self, timeout: float = OPEN_WAIT_S) -> None:
        """Wait (at most `timeout` seconds) until the index is opened, when it is being opened."""
        self._settled.wait(timeout)

    def build(self, *, progress: Progress | None = None, log: Log = print_line) -> list[str]:
        """Build the index from corpus_dir (reusing unchanged vectors); returns the skipped files."""
        cfg = self.config
        with self._write:
            log(f"Building the index in {cfg.index_dir}/ from {cfg.corpus_dir}/ (about a minute on a laptop) …")
            assistant, problems = Assistant.from_corpus(
                [cfg.corpus_dir],
                cfg.index_dir,
                cfg,
                progress=_reporter(log, progress, "  "),
                show_progress_bar=False,
            )
            for p in problems:
                log(f"  skipped {p}")
            self._install(assistant)
            s = assistant.stats()
            log(f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']}.")
            _note_embedder(assistant, log)
            return [str(p) for p in problems]

    def close(self) -> None:
        """Remove the temporary files (exported answers, staged uploads)."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _install(self, assistant: Assistant) -> None:
        with self._swap:
            self._assistant = assistant
            self.message = ""

    # --- reading -----------------------------------------------------------------------------

    @property
    def assistant(self) -> Assistant | None:
        with self._swap:
            return self._assistant

    @property
    def ready(self) -> bool:
        """Whether there is an index to ask, once it has been opened (waits while it is opening)."""
        self.settle()
        return self.assistant is not None

    @property
    def ready_now(self) -> bool:
        """Whether there is an index to ask right now (never waits)."""
        return self.assistant is not None

    def documents(self) -> Mapping[str, Document]:
        a = self.assistant
        return a.documents if a is not None else {}

    def outlets(self) -> list[str]:
        a = self.assistant
        return a.outlets() if a is not None else []

    def date_range(self) -> tuple[str, str] | None:
        a = self.assistant
        return a.date_range() if a is not None else None

    def status(self) -> str:
        a = self.assistant
        if a is None:
            return "No index yet" if self._settled.is_set() else self.message  # opening or building
        return status_text(a.stats(), a.outlets(), a.date_range())

    def ask(self, question: str, k: int | None = None, **options) -> Answer:
        """`Assistant.ask` (same arguments) on the shared assistant, one question at a time; the
        API refuses a bad question, k or date itself."""
        return self._call("ask", question, k, **options)

    def quotes(self, **options) -> list:
        """`Assistant.quotes` (same arguments) on the shared assistant; it refuses bad filters itself."""
        return self._call("quotes", **options)

    def _call(self, method: str, *args, **options):
        """`Assistant.<method>` on the shared assistant once the index is open, one request at a time."""
        self.settle()
        self.refresh()
        a = self.assistant
        if a is None:
            raise IndexMissingError(self.message or "no index yet: build it from corpus/ or upload articles")
        with self._ask:
            return getattr(a, method)(*args, **options)

    def timeline(self, **options):
        """`Assistant.timeline` (same arguments) on the shared assistant; it refuses bad filters itself."""
        return self._call("timeline", **options)

    def speakers(self) -> list:
        """Everyone quoted (none while the index is opening: the page builds without waiting)."""
        a = self.assistant
        if a is None:
            return []
        with self._ask:
            return a.speakers()

    def support(self, text: str, k: int | None = None):
        """`Assistant.support` on the shared assistant (sources for a draft), one request at a time."""
        return self._call("support", text, k)

    # --- adding ------------------------------------------------------------------------------

    def add_uploads(
        self,
        paths: Sequence[str | Path],
        *,
        names: Sequence[str] | None = None,
        replace: Sequence[str] = (),
        progress: Progress | None = None,
        log: Log = print_line,
    ) -> UploadReport:
        """Save uploaded files in <corpus>/uploads/ and index them as documents `uploads/<name>`; bad
        files are reported and neither saved nor indexed. `names`: the names the files were uploaded
        under (default: each path's file name); they are made safe.

        An upload never replaces what the index holds unless asked by name: a file whose document id
        another place holds (a JSONL line naming an article's id) is refused whole, naming both, and a
        file of a name already in uploads/ is saved as name-2. `replace` lists what may be replaced:
        document ids, or names of files in uploads/ (with or without "uploads/"), which the upload of
        the same name then overwrites."""
        report = UploadReport()
        with self._write:
            self.refresh(log)  # never build on an index another process has replaced since
            stage = Path(tempfile.mkdtemp(dir=self.tmp, prefix="upload-"))
            try:
                uploads = Path(self.config.corpus_dir) / UPLOADS
                wanted = _wanted(replace)
                staged, missing = _stage(paths, names, stage / UPLOADS, uploads, wanted)
                report.problems += missing
                # ingest reads each file once and says what is wrong with it (size, type, encoding …)
                loaded = load_documents([stage], max_file_mb=self.config.serve.max_upload_mb, allow_empty=True)
                report.problems += [_display(p, staged) for p in loaded.problems]
                before = self.documents()
                claims, stale = _claims(loaded.documents, before, staged, wanted, report)
                documents, created = _keep(claims, staged, stage / UPLOADS, uploads, report)
                overwritten = {f"{UPLOADS}/{s.name}" for s in staged if s.overwrite}
                for d in documents:
                    held = before.get(d.id)
                    if held is None:
                        report.added.append(d.id)
                    elif held.path == d.path and _file_of(d) not in overwritten:
                        report.replaced.append(d.id)  # the same file again
                    else:
                        report.overwritten.append(d.id)
                if not documents:
                    report.total = len(before)
                    return report
                try:
                    self._index(documents, _reporter(log, progress, "  upload "), stale)
                except BaseException:
                    _restore(created)  # not indexed, so not kept: the corpus and the index agree
                    raise
                _discard(created)
                report.total = len(self.documents())
                log(f"Added {len(documents)} uploaded document(s), saved in {uploads}/; {report.total} in the index.")
                return report
            finally:
                shutil.rmtree(stage, ignore_errors=True)

    # --- adding from the web (qa.api.fetch_articles: pages and feeds saved under <corpus>/web/) -------

    def add_links(self, urls: Sequence[str], *, progress: Progress | None = None, log: Log = print_line) -> WebReport:
        """Fetch the articles (or feeds) at `urls` into <corpus>/web/ and index them; one problem line per
        address that fails."""
        return self._fetch(lambda p: fetch_articles(urls, self.config, progress=p), "link", progress, log)

    def update_feeds(self, *, progress: Progress | None = None, log: Log = print_line) -> WebReport:
        """Fetch and index the new articles of every feed added before."""
        return self._fetch(lambda p: fetch_feed_updates(self.config, progress=p), "feed update", progress, log)

    def _fetch(self, run: Callable[[Progress], WebReport], what: str, progress: Progress | None, log: Log) -> WebReport:
        with self._write:  # one build, upload or fetch at a time: they write the corpus and the index
            self.refresh(log)  # never build on an index another process has replaced since
            report = run(_reporter(log, _part(progress, 0.0, FETCH_SHARE), f"  {what} "))
            for p in report.problems:
                log(f"  skipped {p}")
            current = self.assistant
            documents = current.not_indexed(report.documents) if current is not None else report.documents
            if documents:
                self._index(documents, _reporter(log, _part(progress, FETCH_SHARE, 1.0 - FETCH_SHARE), f"  {what} "))
            log(
                f"Added {len(report.added)} article(s) from the web to {self.config.corpus_dir}/web/; "
                f"{len(self.documents())} in the index."
            )
            return report

    def _index(self, documents: list[Document], progress: Progress, stale: Sequence[str] = ()) -> None:
        current = self.assistant
        if current is None:
            assistant = Assistant.build(documents, self.config.index_dir, self.config, progress=progress)
        else:
            # a second Assistant over the same index and model: the current one answers meanwhile
            assistant = current.with_config()
            if stale:  # documents of an overwritten upload that its new version no longer has
                assistant.remove(stale, progress=progress)
            assistant.add(documents, progress=progress)
        self._install(assistant)

    def refresh(self, log: Log | None = None) -> bool:
        """Reload the index when another process (`qa index`, `qa remove`) has switched it to a new
        generation since it was loaded here, so that answers and uploads build on what is on disk
        (an upload after an outside `qa remove` must not bring the removed documents back). True
        when it reloaded; a stat per call otherwise."""
        log = log or self.log
        current = self.assistant
        if current is None or not current.changed_on_disk():
            return False
        with self._reload:
            if self.assistant is not current:  # another request reloaded it meanwhile
                return True
            try:
                fresh = current.reloaded()
            except QAError as exc:  # caught mid-switch or damaged: keep answering from what is loaded
                log(
                    f"The index in {self.config.index_dir}/ changed but could not be reloaded ({exc}); "
                    "answering from the one loaded before."
                )
                return False
            self._install(fresh)
            log(
                f"The index in {self.config.index_dir}/ was changed by another process; reloaded it "
                f"({len(fresh.documents)} documents)."
            )
            return True


# --- upload files ----------------------------------------------------------------------------------


class _Staged(NamedTuple):
    original: str  # the name it was uploaded under
    name: str  # its safe name: the file uploads/<name>, the document id uploads/<name>
    kept: bool  # uploads/<name> already holds exactly these bytes: nothing to save
    overwrite: bool = False  # uploads/<name> holds another file, which the user asked to replace


def _wanted(replace: Sequence[str] | str) -> set[str]:
    """The ids and upload names a user asked to replace, each with and without "uploads/"."""
    items = [replace] if isinstance(replace, str) else list(replace or ())
    names = {n.strip() for item in items for n in re.split(r"[,\n]", item or "") if n.strip()}
    return names | {f"{UPLOADS}/{n}" for n in names} | {n.removeprefix(f"{UPLOADS}/") for n in names}


def _file_of(doc: Document) -> str:
    """The file a document came from: its path, without a JSONL line's ":N"."""
    file, sep, line = doc.path.rpartition(":")
    return file if sep and line.isdigit() else doc.path


def _claims(
    documents: list[Document],
    held: Mapping[str, Document],
    staged: Sequence[_Staged],
    wanted: set[str],
    report: UploadReport,
) -> tuple[list[Document], list[str]]:
    """The uploaded documents that may go in, and the ids to drop with them (documents of an
    overwritten upload that its new version lacks). A file with a document whose id another place
    holds is refused whole, naming both (saved in part, its other lines would be read back by the
    next `qa index` in an order that could let them win), unless that id or its holder's file was
    named to be replaced."""
    overwritten = {f"{UPLOADS}/{s.name}" for s in staged if s.overwrite}
    refused: dict[str, str] = {}
    for d in documents:
        holder = held.get(d.id)
        if holder is None or holder.path == d.path or _file_of(holder) in overwritten:
            continue
        if {d.id, _file_of(holder)} & wanted:
            continue
        file = _file_of(d)
        refused.setdefault(
            file,
            f"{d.path}: document id {d.id!r} is already held by {holder.path}; not added, "
            f"so {holder.path} keeps its text (to replace it, name {d.id} under “Replace”)",
        )
    report.problems += [_display_text(line, staged) for line in refused.values()]
    kept = [d for d in documents if _file_of(d) not in refused]
    ids = {d.id for d in kept}
    stale = [i for i, d in held.items() if _file_of(d) in overwritten and i not in ids]
    return kept, stale


def safe_upload_name(name: str) -> str:
    """A file name that stays inside uploads/ and that `qa index` reads: the last part of `name`
    (after any / or \\), control and invisible characters as "_", no leading dots or dashes (the
    corpus loader skips hidden files), at most MAX_NAME_BYTES with the extension kept."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    name = "".join("_" if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in name)
    name = name.lstrip(". -").rstrip(". ")
    stem, suffix = _split(name)
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(". ") or "upload") + suffix


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) + 1 > _MAX_SUFFIX:
        return name, ""
    return stem, "." + ext


def _stage(
    paths: Sequence[str | Path],
    names: Sequence[str] | None,
    folder: Path,
    uploads: Path,
    wanted: AbstractSet[str] = frozenset(),
) -> tuple[list[_Staged], list[str]]:
    """Copy the uploads into `folder` under the names they will have in `uploads`; returns them,
    and the ones that did not arrive."""
    folder.mkdir(parents=True)
    staged: list = []
    missing: list = []
    names = list(names) if names is not None else [Path(p).name for p in paths]
    for src, original in zip(map(Path, paths), names):
        if not src.is_file():
            missing.append(f"{original}: the upload did not arrive; try again")
            continue
        name, kept, overwrite = _free_name(
            safe_upload_name(original), src, uploads, {s.name.casefold() for s in staged}, wanted
        )
        shutil.copyfile(src, folder / name)
        staged.append(_Staged(original, name, kept, overwrite))
    return staged, missing


def _free_name(
    name: str, src: Path, uploads: Path, taken: set[str], wanted: AbstractSet[str] = frozenset()
) -> tuple[str, bool, bool]:
    """(name, kept, overwrite): `name`, or name-2, name-3 …, the first that is neither taken in this
    batch nor another file in `uploads` (a file there with the very same bytes is this upload again:
    kept; one the user named to be replaced is overwritten)."""
    stem, suffix = _split(name)
    for i in count(1):
        candidate = name if i == 1 else f"{stem}-{i}{suffix}"
        if candidate.casefold() in taken:  # two uploads of one name in one batch are two documents
            continue
        try:
            st = os.lstat(uploads / candidate)
        except FileNotFoundError:
            return candidate, False, False
        except OSError:  # e.g. uploads is a file, not a folder: saving will say so
            return candidate, False, False
        if stat.S_ISREG(st.st_mode) and filecmp.cmp(uploads / candidate, src, shallow=False):
            return candidate, True, False
        if i == 1 and candidate in wanted:
            return candidate, False, True
    raise AssertionError("unreachable")


def _keep(
    documents: list[Document], staged: list[_Staged], stage: Path, uploads: Path, report: UploadReport
) -> tuple[list[Document], list[tuple[Path, Path | None]]]:
    """Save each staged file that gave documents into `uploads`; returns the documents of the files
    now kept there, and (file written, the copy of what it replaced) for each file this call wrote. A
    file that cannot be saved is a problem; one saved under another name than it was uploaded under
    is listed in `report.renamed`."""
    by_name = {s.name: s for s in staged}
    wanted: dict[str, list[Document]] = {}
    for d in documents:  # a .txt is "uploads/x.txt", a JSONL line "uploads/x.jsonl:7"
        file = d.path if d.path.removeprefix(f"{UPLOADS}/") in by_name else d.path.rpartition(":")[0]
        wanted.setdefault(file.removeprefix(f"{UPLOADS}/"), []).append(d)
    kept: list[Document] = []
    created: list[tuple[Path, Path | None]] = []
    for name, docs in wanted.items():
        s = by_name[name]
        if not s.kept:
            try:
                created.append(_save(stage / name, uploads, name, overwrite=s.overwrite))
            except OSError as exc:
                report.problems.append(
                    f"{s.original}: not added, as it could not be saved in the corpus folder ({_reason(exc)})"
                )
                continue
        if s.original != s.name:
            report.renamed.append(f"{s.original} → {s.name}")
        kept += docs
    return kept, created


def _save(src: Path, uploads: Path, name: str, *, overwrite: bool = False) -> tuple[Path, Path | None]:
    """Copy `src` to uploads/name as a new file: never through a link, and over an existing file only
    when `overwrite` (asked for by name), whose old version is then moved aside (returned) until the
    upload is indexed. Returns (uploads/name, the old version or None).

    The corpus folder itself may be a link (the owner's choice); uploads/ inside it may not, since
    whoever can upload would then write wherever it points."""
    if uploads.is_symlink():
        raise OSError(f"{UPLOADS}/ is a symbolic link; make it a real folder")
    uploads.mkdir(parents=True, exist_ok=True)
    dst = uploads / name
    old = None
    if overwrite:  # a rename never follows a link: a link there is moved aside, not written through
        old = uploads / f".replaced-{os.getpid()}-{threading.get_ident()}-{name}"
        os.replace(dst, old)
    # O_EXCL: fails if anything, a symbolic link included, is already there
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(dst, flags, 0o644)
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as data:
                shutil.copyfileobj(data, out)
        except BaseException:
            dst.unlink(missing_ok=True)
            raise
    except BaseException:
        _restore([(dst, old)] if old else [])
        raise
    return dst, old


def _restore(written: list[tuple[Path, Path | None]]) -> None:
    """Undo `_save`s: remove the files written, and put back the versions they replaced."""
    for dst, old in written:
        with suppress(OSError):
            dst.unlink(missing_ok=True)
        if old is not None:
            with suppress(OSError):
                os.replace(old, dst)


def _discard(written: list[tuple[Path, Path | None]]) -> None:
    """The uploads are indexed: the old versions of overwritten files go."""
    for _dst, old in written:
        if old is not None:
            with suppress(OSError):
                old.unlink()


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileExistsError):
        return "a file of that name appeared meanwhile; upload it again"
    return exc.strerror or str(exc)


def _reporter(log: Log, progress: Progress | None, prefix: str) -> Progress:
    """Every call to the page's `progress` (its status text), and a few per stage to the log."""
    logged = throttled(lambda message, fraction: log(f"{prefix}{fraction:4.0%}  {message}"))

    def report(message: str, fraction: float) -> None:
        logged(message, fraction)
        if progress:
            progress(message, fraction)

    return report


def _part(progress: Progress | None, start: float, share: float) -> Progress | None:
    """`progress` for one part of a longer job: its fractions mapped into start..start+share."""
    if progress is None:
        return None
    return lambda message, fraction: progress(message, start + share * fraction)


def _display(problem: Exception, staged: Sequence[_Staged] = ()) -> str:
    """A load problem as the user knows the file: by the name it was uploaded under."""
    return _display_text(str(problem), staged, getattr(problem, "path", ""))


def _display_text(text: str, staged: Sequence[_Staged] = (), path: str = "") -> str:
    """`text`, a line that starts with an uploaded file's path, with the name it was uploaded under."""
    for s in staged:
        saved = f"{UPLOADS}/{s.name}"
        if (path or text.partition(":")[0]) == saved:
            return s.original + text[len(saved) :]
    return text.removeprefix(f"{UPLOADS}/")


def _no_index_message(config: Config, reason: str) -> str:
    todo = (
        f"Put {suffix_list()} files in {config.corpus_dir}/ and click “Build index”, "
        "or upload articles under “Add articles”."
    )
    if "no index" in reason:
        return f"No index yet, and {config.corpus_dir}/ has no articles. {todo}"
    return f"{reason.rstrip('.')}. {todo}"


def _note_embedder(assistant: Assistant, log: Log) -> None:
    note = assistant.embedder_note()
    if note:
        log(f"Note: {note}")


def _warn_if_stale(assistant: Assistant, config: Config, log: Log) -> None:
    # The index is written in a fresh folder that is then renamed into place, so the folder's own
    # modification time is when the index was built.
    try:
        built = Path(assistant.info()["index_dir"]).stat().st_mtime
        newer = [f for f in corpus_files(config.corpus_dir) if f.stat().st_mtime > built]
    except OSError:
        return
    if newer:
        log(
            f"Note: {len(newer)} file(s) in {config.corpus_dir}/ changed after the index was built; "
            f"run `qa index` to include them (the app uses the index as it is)."
        )
