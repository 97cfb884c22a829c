"""The app's side of the library: one shared Assistant, and building, asking and uploading through it.

Everything goes through `qa.api`. An upload extends a second Assistant over the same index and
swaps it in under a lock, so questions keep being answered while the new text is embedded.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..api import SUFFIXES, Assistant, corpus_files, load_documents
from ..config import Config
from ..errors import EmptyCorpusError, IndexIncompatibleError, IndexMissingError
from ..records import Answer, Document
from .html import status_text

UPLOAD_TYPES = SUFFIXES
UPLOADS = "uploads"  # uploaded files become documents `uploads/<name>`, apart from the corpus' own ids
Log = Callable[[str], None]
Progress = Callable[[str, float], None]


def print_line(message: str) -> None:
    print(message, flush=True)


def suffix_list() -> str:
    """The accepted file types as prose: ".txt, .md, … or .jsonl"."""
    return ", ".join(SUFFIXES[:-1]) + " or " + SUFFIXES[-1]


@dataclass
class UploadReport:
    added: list[str] = field(default_factory=list)  # document ids now in the index
    replaced: list[str] = field(default_factory=list)  # ids that were there before (same file name)
    problems: list[str] = field(default_factory=list)  # one line each: file and reason
    total: int = 0


class Service:
    """The one Assistant every session shares, plus what the app needs around it."""

    def __init__(self, config: Config, assistant: Assistant | None = None, message: str = ""):
        self.config = config
        self._assistant = assistant
        self.message = message  # why there is no index, when there is none
        self._swap = threading.Lock()  # guards replacing the assistant
        self._ask = threading.Lock()  # one question at a time on the shared assistant
        self._write = threading.Lock()  # one build or upload at a time
        self.tmp = Path(tempfile.mkdtemp(prefix="qa-app-"))

    # --- starting ----------------------------------------------------------------------------

    @classmethod
    def start(cls, config: Config, *, log: Log = print_line, build: bool = True) -> "Service":
        """Open the index; on a first run (no index, articles in corpus/) build it, logging progress."""
        try:
            assistant = Assistant.load(config.index_dir, config)
        except (IndexMissingError, IndexIncompatibleError) as exc:
            reason = str(exc)
        else:
            _warn_if_stale(assistant, config, log)
            return cls(config, assistant)
        if not corpus_files(config.corpus_dir):
            return cls(config, None, _no_index_message(config, reason))
        if not build:
            return cls(config, None, reason)
        service = cls(config, None)
        try:
            service.build(log=log)
        except EmptyCorpusError as exc:
            service.message = f"{exc}. Fix the files in {config.corpus_dir}/ and build again, or upload articles."
        return service

    def build(self, *, progress: Progress | None = None, log: Log = print_line) -> list[str]:
        """Build the index from corpus_dir (reusing unchanged vectors); returns the skipped files."""
        cfg = self.config
        with self._write:
            log(f"Building the index in {cfg.index_dir}/ from {cfg.corpus_dir}/ (about a minute on a laptop) …")
            assistant, problems = Assistant.from_corpus(
                [cfg.corpus_dir], cfg.index_dir, cfg, progress=_reporter(log, progress, "  "),
                show_progress_bar=False,
            )
            for p in problems:
                log(f"  skipped {p}")
            self._install(assistant)
            s = assistant.stats()
            log(f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']}.")
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
        return self.assistant is not None

    def documents(self) -> dict[str, Document]:
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
            return "No index yet"
        return status_text(a.stats(), a.outlets(), a.date_range())

    def ask(self, question: str, k: int | None = None, **options) -> Answer:
        """`Assistant.ask` (same arguments) on the shared assistant, one question at a time; the
        API refuses a bad question, k or date itself."""
        a = self.assistant
        if a is None:
            raise IndexMissingError(self.message or "no index yet: build it from corpus/ or upload articles")
        with self._ask:
            return a.ask(question, k, **options)

    # --- adding ------------------------------------------------------------------------------

    def add_uploads(self, paths: Sequence[str | Path], *, progress: Progress | None = None,
                    log: Log = print_line) -> UploadReport:
        """Index uploaded files as documents `uploads/<name>`; bad files are reported and skipped."""
        report = UploadReport()
        with self._write:
            stage = Path(tempfile.mkdtemp(dir=self.tmp, prefix="upload-"))
            try:
                report.problems += _stage(paths, stage / UPLOADS)
                # ingest reads each file once and says what is wrong with it (size, type, encoding …)
                loaded = load_documents([stage], max_file_mb=self.config.serve.max_upload_mb, allow_empty=True)
                report.problems += [_display(p) for p in loaded.problems]
                before = self.documents()
                for d in loaded.documents:
                    (report.replaced if d.id in before else report.added).append(d.id)
                if not loaded.documents:
                    report.total = len(before)
                    return report
                self._index(loaded.documents, _reporter(log, progress, "  upload "))
                report.total = len(self.documents())
                log(f"Added {len(loaded.documents)} uploaded document(s); {report.total} in the index.")
                return report
            finally:
                shutil.rmtree(stage, ignore_errors=True)

    def _index(self, documents: list[Document], progress: Progress) -> None:
        current = self.assistant
        if current is None:
            assistant = Assistant.build(documents, self.config.index_dir, self.config, progress=progress)
        else:
            # a second Assistant over the same index and model: the current one answers meanwhile
            assistant = current.with_config()
            assistant.add(documents, progress=progress)
        self._install(assistant)


def _stage(paths: Sequence[str | Path], folder: Path) -> list[str]:
    """Copy the uploads into `folder` under their own (made safe) names; returns the ones that did not arrive."""
    folder.mkdir(parents=True)
    missing = []
    for src in map(Path, paths):
        name = re.sub(r"[\\/\x00-\x1f]", "_", src.name).lstrip(".") or "upload"
        if not src.is_file():
            missing.append(f"{name}: the upload did not arrive; try again")
            continue
        dst, i = folder / name, 2
        while dst.exists():  # two uploads of one name in one batch are two documents, not one
            dst = folder / f"{Path(name).stem}-{i}{Path(name).suffix}"
            i += 1
        shutil.copyfile(src, dst)
    return missing


def _reporter(log: Log, progress: Progress | None, prefix: str) -> Progress:
    def report(message: str, fraction: float) -> None:
        log(f"{prefix}{fraction:4.0%}  {message}")
        if progress:
            progress(message, fraction)

    return report


def _display(problem: Exception) -> str:
    text = str(problem)
    return text.removeprefix(f"{UPLOADS}/")


def _no_index_message(config: Config, reason: str) -> str:
    todo = (
        f"Put {suffix_list()} files in {config.corpus_dir}/ and click “Build index”, "
        "or upload articles under “Add articles”."
    )
    if "no index" in reason:
        return f"No index yet, and {config.corpus_dir}/ has no articles. {todo}"
    return f"{reason.rstrip('.')}. {todo}"


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
