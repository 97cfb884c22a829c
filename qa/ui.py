"""The browser app: a Gradio chat that answers with numbered quotes and opens each in its article.

It adds no retrieval logic: every answer comes from `Assistant.ask`. One `Service` holds the
shared assistant; an upload builds the bigger index on a copy and swaps it in under a lock, so
questions keep being answered meanwhile. Per-session state (the questions asked so far and the
answers given) lives in `gr.State`. All HTML comes from `qa.ui_render`, which escapes document text.

    python app.py                       # or: qa serve [--host H] [--port P] [--index-dir DIR]
    from qa.ui import serve; serve(Config.from_env())
"""

from __future__ import annotations

import hmac
import re
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from . import ui_render as R
from .config import Config
from .errors import (
    ConfigError,
    EmptyCorpusError,
    IndexIncompatibleError,
    IndexMissingError,
    QAError,
)
from .records import Answer, Document

UPLOAD_TYPES = (".txt", ".md", ".html", ".jsonl")
MAX_QUOTES = 10
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Log = Callable[[str], None]


def _print(message: str) -> None:
    print(message, flush=True)


def corpus_files(corpus_dir: str | Path) -> list[Path]:
    """Article files under `corpus_dir` that ingestion would read (hidden files are skipped)."""
    from .ingest import SUFFIXES

    root = Path(corpus_dir)
    if not root.is_dir():
        return []
    return [
        f
        for f in sorted(root.rglob("*"))
        if f.is_file()
        and f.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in f.relative_to(root).parts)
    ]


def check_date(value: str | None, name: str) -> str | None:
    """An ISO date or None; ConfigError with a plain message otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ConfigError(f"{name}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2023-10-04")
    return value


@dataclass
class UploadReport:
    added: list[str] = field(default_factory=list)  # document ids now in the index
    replaced: list[str] = field(default_factory=list)  # ids that were there before (same file name)
    problems: list[str] = field(default_factory=list)  # one line each: file and reason
    total: int = 0


class Service:
    """The one Assistant every session shares, plus what the app needs around it."""

    def __init__(self, config: Config, assistant=None, message: str = ""):
        self.config = config
        self._assistant = assistant
        self.message = message  # why there is no index, when there is none
        self._swap = threading.Lock()  # guards replacing the assistant
        self._ask = threading.Lock()  # one question at a time on the shared assistant
        self._write = threading.Lock()  # one build or upload at a time
        self.tmp = Path(tempfile.mkdtemp(prefix="qa-app-"))

    # --- starting ----------------------------------------------------------------------------

    @classmethod
    def start(cls, config: Config, *, log: Log = _print, build: bool = True) -> "Service":
        """Open the index; on a first run (no index, articles in corpus/) build it, logging progress."""
        from .assistant import Assistant

        try:
            assistant = Assistant.load(config.index_dir, config)
        except (IndexMissingError, IndexIncompatibleError) as exc:
            reason = str(exc)
        else:
            _warn_if_stale(config, log)
            return cls(config, assistant)
        files = corpus_files(config.corpus_dir)
        if not files:
            return cls(config, None, _no_index_message(config, reason))
        if not build:
            return cls(config, None, reason)
        service = cls(config, None)
        try:
            service.build(log=log)
        except EmptyCorpusError as exc:
            service.message = f"{exc}. Fix the files in {config.corpus_dir}/ and build again, or upload articles."
        return service

    def build(self, *, progress: Callable[[str, float], None] | None = None, log: Log = _print) -> list[str]:
        """Build the index from corpus_dir (reusing unchanged vectors); returns the skipped files."""
        from .assistant import Assistant

        cfg = self.config
        with self._write:
            log(f"Building the index in {cfg.index_dir}/ from {cfg.corpus_dir}/ (about a minute on a laptop) …")

            def report(message: str, fraction: float) -> None:
                log(f"  {fraction:4.0%}  {message}")
                if progress:
                    progress(message, fraction)

            assistant, problems = Assistant.from_corpus(
                [cfg.corpus_dir], cfg.index_dir, cfg, progress=report, show_progress_bar=False
            )
            for p in problems:
                log(f"  skipped {p}")
            with self._swap:
                self._assistant = assistant
                self.message = ""
            s = assistant.stats()
            log(f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']}.")
            return [str(p) for p in problems]

    def close(self) -> None:
        """Remove the temporary files (exported answers, staged uploads)."""
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- reading -----------------------------------------------------------------------------

    @property
    def assistant(self):
        with self._swap:
            return self._assistant

    @property
    def ready(self) -> bool:
        return self.assistant is not None

    def documents(self) -> dict[str, Document]:
        a = self.assistant
        return a.index.documents if a is not None else {}

    def outlets(self) -> list[str]:
        a = self.assistant
        return a.outlets() if a is not None else []

    def date_range(self) -> tuple[str, str] | None:
        dates = sorted(d.date for d in self.documents().values() if d.date)
        return (dates[0], dates[-1]) if dates else None

    def status(self) -> str:
        a = self.assistant
        if a is None:
            return "No index yet"
        return R.status_text(a.stats(), a.outlets(), self.date_range())

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        history: Sequence[str] = (),
        sources: Sequence[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> Answer:
        a = self.assistant
        if a is None:
            raise IndexMissingError(self.message or "no index yet: build it from corpus/ or upload articles")
        date_from, date_to = check_date(date_from, "from date"), check_date(date_to, "to date")
        if date_from and date_to and date_from > date_to:
            raise ConfigError(f"the from date {date_from} is after the to date {date_to}; swap them")
        if k is not None:
            k = max(1, min(int(k), MAX_QUOTES * 5))
        with self._ask:
            return a.ask(
                question, k, history=list(history), sources=list(sources or []) or None,
                date_from=date_from, date_to=date_to,
            )

    # --- adding ------------------------------------------------------------------------------

    def add_uploads(self, paths: Sequence[str | Path], *, progress: Callable[[str, float], None] | None = None,
                    log: Log = _print) -> UploadReport:
        """Index uploaded files as documents `uploads/<name>`; bad files are reported and skipped."""
        from .assistant import Assistant
        from .index import build_index
        from .ingest import load_corpus

        report = UploadReport()
        limit = self.config.max_upload_mb
        with self._write:
            stage = Path(tempfile.mkdtemp(dir=self.tmp, prefix="upload-"))
            folder = stage / "uploads"
            folder.mkdir()
            try:
                for src in paths:
                    src = Path(src)
                    name = re.sub(r"[\\/\x00-\x1f]", "_", src.name).lstrip(".") or "upload"
                    if not src.is_file():
                        report.problems.append(f"{name}: the upload did not arrive; try again")
                        continue
                    size = src.stat().st_size
                    if size > limit * 1024 * 1024:
                        report.problems.append(f"{name}: {size / 1048576:.1f} MB is over the {limit} MB upload limit; split it")
                        continue
                    dst = folder / name
                    i = 2
                    while dst.exists():
                        dst = folder / f"{Path(name).stem}-{i}{Path(name).suffix}"
                        i += 1
                    shutil.copyfile(src, dst)
                # one pass through ingest: every file read once, duplicates caught there
                loaded = load_corpus([stage], max_file_mb=limit, allow_empty=True)
                report.problems.extend(_display(p) for p in loaded.problems)
                before = self.documents()
                for d in loaded.documents:
                    (report.replaced if d.id in before else report.added).append(d.id)
                if not loaded.documents:
                    report.total = len(before)
                    return report

                def step(message: str, fraction: float) -> None:
                    log(f"  upload {fraction:4.0%}  {message}")
                    if progress:
                        progress(message, fraction)

                current = self.assistant
                if current is None:
                    index = build_index(loaded.documents, self.config.index_dir, self.config, progress=step)
                    assistant = Assistant(index, self.config)
                else:
                    assistant = Assistant(current.index, current.config, current.embedder)
                    assistant.entities = current.entities
                    assistant.add_documents(loaded.documents, progress=step)
                with self._swap:
                    self._assistant = assistant
                    self.message = ""
                report.total = len(assistant.index.documents)
                log(f"Added {len(report.added) + len(report.replaced)} uploaded document(s); {report.total} in the index.")
                return report
            finally:
                shutil.rmtree(stage, ignore_errors=True)


def _display(problem: Exception) -> str:
    text = str(problem)
    return text[len("uploads/"):] if text.startswith("uploads/") else text


def _no_index_message(config: Config, reason: str) -> str:
    todo = (
        f"Put .txt, .md, .html or .jsonl files in {config.corpus_dir}/ and click “Build index”, "
        "or upload articles under “Add articles”."
    )
    if "no index" in reason:
        return f"No index yet, and {config.corpus_dir}/ has no articles. {todo}"
    return f"{reason.rstrip('.')}. {todo}"


def _warn_if_stale(config: Config, log: Log) -> None:
    manifest = Path(config.index_dir) / "manifest.json"
    try:
        built = manifest.stat().st_mtime
        newer = [f for f in corpus_files(config.corpus_dir) if f.stat().st_mtime > built]
    except OSError:
        return
    if newer:
        log(
            f"Note: {len(newer)} file(s) in {config.corpus_dir}/ changed after the index was built; "
            f"run `qa index` to include them (the app uses the index as it is)."
        )


# --- the page ------------------------------------------------------------------------------------

HEAD = r"""
<meta name="color-scheme" content="light dark">
<script>
(() => {
  if (window.__qaHandlers) return;
  window.__qaHandlers = true;
  function openRef(ref) {
    const root = document.getElementById('qa-open-ref');
    const box = root && root.querySelector('textarea, input');
    if (!box) return;
    box.value = ref + '|' + Date.now();
    box.dispatchEvent(new Event('input', {bubbles: true}));
  }
  function fallbackCopy(text) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }
  async function copy(text, button) {
    window.qaLastCopied = text;
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); ok = true; }
    } catch (e) { ok = false; }
    if (!ok) ok = fallbackCopy(text);
    const label = button.textContent;
    button.textContent = ok ? 'Copied' : 'Press Ctrl+C';
    button.classList.add('qa-done');
    setTimeout(() => { button.textContent = label; button.classList.remove('qa-done'); }, 1600);
  }
  document.addEventListener('click', (ev) => {
    const target = ev.target instanceof Element ? ev.target : null;
    if (!target || !target.closest('.qa-answer')) return;
    const card = target.closest('.qa-quote');
    const copyButton = target.closest('.qa-copy');
    if (copyButton) {
      ev.preventDefault();
      const payload = card && card.querySelector('.qa-copy-payload');
      if (payload) copy(payload.textContent, copyButton);
      return;
    }
    let opener = target.closest('.qa-ref, .qa-open, .qa-also-link');
    if (!opener && target.closest('.qa-quote-text')) {
      // selecting words inside a quote should not jump to the article
      if (String(window.getSelection() || '').trim()) return;
      opener = card && card.querySelector('.qa-open');
    }
    if (!opener || !opener.value) return;
    ev.preventDefault();
    document.querySelectorAll('.qa-quote.qa-active').forEach((el) => el.classList.remove('qa-active'));
    const active = card || document.getElementById('qa-q-' + opener.value.split(':').slice(0, 2).join('-'));
    if (active) active.classList.add('qa-active');
    openRef(opener.value);
  }, true);
})();
</script>
"""

# Runs inside the source panel: after each new value, bring the highlighted span into view.
SOURCE_JS = r"""
function qaShowHit() {
  const hit = element.querySelector('#qa-hit');
  const body = element.querySelector('.qa-source-body');
  if (!hit || !body) return;
  body.scrollTop = Math.max(0, hit.offsetTop - body.offsetTop - body.clientHeight / 3);
  const r = element.getBoundingClientRect();
  if (r.top < 0 || r.top > window.innerHeight * 0.5) element.scrollIntoView({block: 'start', behavior: 'smooth'});
}
watch('value', () => requestAnimationFrame(qaShowHit));
"""

# After an answer: show the start of the newest question, not the bottom of its quote list.
SCROLL_CHAT_JS = r"""
() => {
  setTimeout(() => {
    const answers = document.querySelectorAll('#qa-chat .qa-answer');
    const last = answers[answers.length - 1];
    if (!last) return;
    let box = last.parentElement;
    while (box && box !== document.body) {
      const s = getComputedStyle(box);
      if ((s.overflowY === 'auto' || s.overflowY === 'scroll') && box.scrollHeight > box.clientHeight) break;
      box = box.parentElement;
    }
    if (!box || box === document.body) return;
    const top = last.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTop = Math.max(0, top - 90);
  }, 150);
}
"""

CSS = r"""
#qa-header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1.2rem; padding: .2rem .2rem .1rem; }
#qa-header h1 { font-size: 1.45rem; margin: 0; font-weight: 700; }
#qa-header .qa-tagline { color: var(--body-text-color-subdued); font-size: .95rem; }
.qa-status { font-size: .85rem; padding: .15rem .6rem; border-radius: 999px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); color: var(--body-text-color-subdued); }
.qa-status-missing { background: #fff4e5; color: #8a4b00; border-color: #f5c27a; }
#qa-noindex { border: 1px solid #f5c27a; background: #fff8ee; border-radius: 10px; padding: .5rem .9rem; }
#qa-noindex .prose, #qa-noindex .prose * { color: #5c3a00 !important; }
#qa-build { max-width: 260px; }
#qa-chat .placeholder-content { text-align: center; max-width: 34rem; margin: 0 auto; color: var(--body-text-color-subdued); }
#qa-open-ref { display: none !important; }
#qa-notice-box:not(:has(.qa-notice)), #qa-build-report:not(:has(.qa-notice)),
#qa-upload-report:not(:has(.qa-notice)) { display: none !important; }
#qa-chat .qa-question { white-space: pre-wrap; }
.qa-answer { font-size: .97rem; line-height: 1.5; }
.qa-text { margin-bottom: .55rem; }
.qa-short { margin-bottom: .35rem; }
.qa-ref { display: inline-block; padding: 0 .25rem; margin: 0; border-radius: 6px; font-weight: 600; font-size: .85em;
  background: var(--color-accent-soft); color: var(--color-accent); border: 1px solid transparent; cursor: pointer; }
.qa-ref:hover, .qa-ref:focus { border-color: var(--color-accent); }
.qa-quotes-label { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--body-text-color-subdued); margin: .2rem 0 .3rem; }
.qa-quotes { display: flex; flex-direction: column; gap: .5rem; }
.qa-quote { border: 1px solid var(--border-color-primary); border-left: 4px solid var(--color-accent); border-radius: 8px;
  padding: .5rem .7rem; background: var(--background-fill-primary); }
.qa-quote.qa-active { box-shadow: 0 0 0 2px var(--color-accent-soft); border-color: var(--color-accent); }
.qa-quote-head { display: flex; gap: .5rem; align-items: baseline; font-size: .85rem; color: var(--body-text-color-subdued); }
.qa-n { font-weight: 700; color: var(--color-accent); }
.qa-outlet { font-weight: 600; color: var(--body-text-color); }
.qa-title { font-style: italic; }
.qa-unknown { font-style: italic; opacity: .8; }
.qa-quote-text { margin: .3rem 0 .35rem; cursor: pointer; }
.qa-quote-text:hover { text-decoration: underline dotted; text-underline-offset: 3px; }
.qa-short-mark { background: #fde68a; color: #1f1f1f; padding: 0 .1rem; border-radius: 3px; }
.qa-also { font-size: .83rem; color: var(--body-text-color-subdued); margin-bottom: .3rem; }
.qa-also-link { background: none; border: none; padding: 0; color: var(--color-accent); cursor: pointer; text-decoration: underline; font-size: inherit; }
.qa-actions { display: flex; gap: .4rem; }
.qa-btn { font-size: .8rem; padding: .12rem .6rem; border-radius: 6px; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); color: var(--body-text-color); cursor: pointer; }
.qa-btn:hover, .qa-btn:focus { border-color: var(--color-accent); }
.qa-btn.qa-done { background: #dcfce7; color: #14532d; border-color: #86efac; }
.qa-abstain { border: 1px dashed var(--border-color-primary); border-radius: 8px; padding: .5rem .7rem; }
.qa-abstain-title { font-weight: 700; margin-bottom: .2rem; }
.qa-hint { font-size: .85rem; color: var(--body-text-color-subdued); margin-top: .3rem; }
.qa-notice { padding: .45rem .7rem; border-radius: 8px; font-size: .92rem; }
.qa-notice-info { background: var(--background-fill-secondary); }
.qa-notice-warn { background: #fff8e1; color: #6b4e00; border: 1px solid #f3d27a; }
.qa-notice-error { background: #fdecec; color: #8a1c1c; border: 1px solid #f2b8b8; }
.qa-notice-ok { background: #ecfdf3; color: #14532d; border: 1px solid #a7e3bf; }
.qa-notice ul { margin: .3rem 0 0 1.1rem; padding: 0; }
#qa-source-col { position: sticky; top: .5rem; align-self: flex-start; }
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 10px; background: var(--background-fill-primary); overflow: hidden; }
.qa-source-head { padding: .6rem .8rem; border-bottom: 1px solid var(--border-color-primary); background: var(--background-fill-secondary); }
.qa-source-label { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: var(--color-accent); font-weight: 700; }
.qa-source-title { font-weight: 700; font-size: 1.05rem; line-height: 1.3; margin: .15rem 0; }
.qa-source-meta, .qa-source-where { font-size: .85rem; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
.qa-source-body { white-space: pre-wrap; padding: .7rem .9rem; max-height: calc(64vh - 70px); overflow-y: auto; line-height: 1.55; font-size: .95rem; position: relative; }
.qa-hit { background: #fde047; color: #111; padding: .05rem 0; border-radius: 2px; box-shadow: 0 0 0 2px #fde047; }
.qa-other { background: #fef9c3; color: inherit; }
.qa-source-empty { padding: 2.2rem 1rem; text-align: center; color: var(--body-text-color-subdued); min-height: 200px;
  display: flex; align-items: center; justify-content: center; }
"""


def _theme():
    import gradio as gr

    # system fonts: an offline app must not wait for web fonts
    return gr.themes.Soft(
        primary_hue="indigo",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def _new_session() -> dict:
    return {"questions": [], "answers": []}  # earlier questions (the history= of ask) and their Answers


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "answer"


def _parse_ref(ref: str) -> tuple[int, int, int | None] | None:
    m = re.match(r"^(\d+):(\d+)(?::(\d+))?(?:\|.*)?$", (ref or "").strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), (int(m.group(3)) if m.group(3) is not None else None)


def render_source(service: Service, answer: Answer, n: int, also: int | None = None) -> str:
    """The source panel for quote `n` of `answer` (or its `also`-th other outlet)."""
    quote = next((q for q in answer.quotes if q.n == n), None)
    if quote is None:
        return R.source_placeholder_html("That quote is not part of this answer.")
    doc_id, start, end, label = quote.doc_id, quote.start, quote.end, f"Quote [{n}] in its article"
    if also is not None and 0 <= also < len(quote.also_in):
        other = quote.also_in[also]
        doc_id, start, end = other["doc_id"], int(other["start"]), int(other["end"]), f"Quote [{n}], as reported here"
    doc = service.documents().get(doc_id)
    if doc is None:
        return R.source_placeholder_html(f"The article {doc_id} is no longer in the index.")
    others = [(q.start, q.end) for q in answer.quotes if q.doc_id == doc_id and (q.start, q.end) != (start, end)]
    return R.source_html(doc, start, end, label=label, others=others)


def build_app(service: Service):
    """The Gradio Blocks of the app (not launched)."""
    import gradio as gr

    cfg = service.config

    def header_html() -> str:
        kind = "ok" if service.ready else "missing"
        return (
            '<div id="qa-header"><h1>qa</h1><span class="qa-tagline">answers from your articles, in their own words'
            f"</span>{R.status_html(service.status(), kind)}</div>"
        )

    def noindex_md() -> str:
        return service.message or "No index yet."

    with gr.Blocks(title="qa — answers from your articles", analytics_enabled=False, fill_width=True) as demo:
        session = gr.State(_new_session())

        header = gr.HTML(header_html(), elem_id="qa-header-box")
        with gr.Column(visible=not service.ready, elem_id="qa-noindex") as noindex_box:
            noindex_text = gr.Markdown(noindex_md())
            build_btn = gr.Button("Build index", variant="primary", elem_id="qa-build", size="sm")
        build_report = gr.HTML(elem_id="qa-build-report")

        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=420):
                chat = gr.Chatbot(
                    elem_id="qa-chat", label="Chat", show_label=False, height="64vh", autoscroll=False,
                    buttons=[], feedback_options=None, latex_delimiters=[], sanitize_html=True, layout="bubble",
                    placeholder=(
                        "**Ask a question about your articles.**<br>Every answer is made of exact quotes, numbered "
                        "[1], [2] … with outlet and date. Click a quote to read it highlighted in its article. "
                        "Follow-up questions (“And what did Russia say?”) build on the previous one."
                    ),
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False, placeholder="Ask a question about the articles …",
                        lines=1, max_lines=4, scale=8, elem_id="qa-question", autofocus=True,
                    )
                    ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="qa-ask")
                notice = gr.HTML(elem_id="qa-notice-box")
                with gr.Row():
                    clear_btn = gr.Button("Clear chat", size="sm", elem_id="qa-clear")
                    download = gr.DownloadButton(
                        "Download answer (.md)", size="sm", interactive=False, elem_id="qa-download"
                    )
                with gr.Accordion("Answer settings: quotes, outlets, dates", open=False, elem_id="qa-settings"):
                    dr = service.date_range()
                    with gr.Row():
                        k = gr.Slider(1, MAX_QUOTES, value=min(cfg.quotes, MAX_QUOTES), step=1, label="Quotes per answer",
                                      elem_id="qa-k", min_width=180)
                        outlets = gr.Dropdown(
                            choices=service.outlets(), value=[], multiselect=True, label="Outlets",
                            info="Quote only these (empty: all)", elem_id="qa-outlets", min_width=220,
                        )
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder=dr[0] if dr else "YYYY-MM-DD",
                                               elem_id="qa-date-from", min_width=140)
                        date_to = gr.Textbox(label="To date", placeholder=dr[1] if dr else "YYYY-MM-DD",
                                             elem_id="qa-date-to", min_width=140)
                    gr.Markdown("<small>Dates as YYYY-MM-DD; the hints show the range the index holds. "
                                "A date range leaves out undated articles.</small>")
                with gr.Accordion("Add articles", open=not service.ready, elem_id="qa-add"):
                    files = gr.File(
                        label=f"Upload {', '.join(UPLOAD_TYPES)} files (up to {cfg.max_upload_mb} MB each); they are indexed at once",
                        file_count="multiple", type="filepath", elem_id="qa-upload", height=120,
                    )
                    upload_report = gr.HTML(elem_id="qa-upload-report")
            with gr.Column(scale=9, min_width=360, elem_id="qa-source-col"):
                source = gr.HTML(R.source_placeholder_html(), elem_id="qa-source-panel", js_on_load=SOURCE_JS)
        open_ref = gr.Textbox(elem_id="qa-open-ref", show_label=False, container=False)

        # --- handlers ---------------------------------------------------------------------

        def on_ask(q, k_value, sources, d_from, d_to, messages, state):
            q = (q or "").strip()
            if not q:
                return (gr.skip(),) * 5 + (R.notice_html("Type a question about the articles first, then press Enter or Ask.", "warn"),)
            if not service.ready:
                return (gr.skip(),) * 5 + (R.notice_html(service.message or "No index yet: build it or upload articles.", "warn"),)
            filtered = bool(sources or (d_from or "").strip() or (d_to or "").strip())
            try:
                answer = service.ask(q, int(k_value or cfg.quotes), history=state["questions"], sources=sources or None,
                                     date_from=d_from, date_to=d_to)
            except QAError as exc:
                return (gr.skip(),) * 5 + (R.notice_html(str(exc), "warn"),)
            except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
                traceback.print_exc()
                return (gr.skip(),) * 5 + (R.notice_html(f"Something went wrong ({type(exc).__name__}); details are in the terminal.", "error"),)
            turn = len(state["answers"])
            state = {"questions": state["questions"] + [q], "answers": state["answers"] + [answer]}
            docs = service.documents()
            messages = list(messages or []) + [
                {"role": "user", "content": R.question_html(q)},
                {"role": "assistant", "content": R.answer_html(answer, turn, docs, filtered=filtered)},
            ]
            path = service.tmp / f"answer-{turn + 1}-{int(time.time() * 1000)}-{_slug(q)}.md"
            path.write_text(R.answer_markdown(answer, docs), encoding="utf-8")
            if answer.quotes:
                panel = render_source(service, answer, answer.quotes[0].n)
            else:
                panel = R.source_placeholder_html("No quote to show: the articles do not answer this question.")
            note = ""
            if filtered:
                parts = ([", ".join(sources)] if sources else []) + [
                    f"{label} {v.strip()}" for label, v in (("from", d_from), ("to", d_to)) if (v or "").strip()
                ]
                note = R.notice_html("Filtered: " + " · ".join(parts), "info")
            return "", messages, state, panel, gr.DownloadButton(value=str(path), interactive=True), note

        def on_open(ref, state):
            parsed = _parse_ref(ref)
            if not parsed or parsed[0] >= len(state["answers"]):
                return gr.skip()
            turn, n, also = parsed
            return render_source(service, state["answers"][turn], n, also)

        def on_clear():
            return [], _new_session(), R.source_placeholder_html(), gr.DownloadButton(value=None, interactive=False), "", ""

        def refresh():
            dr = service.date_range()
            return (
                header_html(),
                gr.Dropdown(choices=service.outlets()),
                gr.Column(visible=not service.ready),
                noindex_md(),
                gr.Textbox(placeholder=dr[0] if dr else "YYYY-MM-DD"),
                gr.Textbox(placeholder=dr[1] if dr else "YYYY-MM-DD"),
            )

        refresh_outputs = [header, outlets, noindex_box, noindex_text, date_from, date_to]

        def on_upload(paths, progress=gr.Progress()):
            paths = [p for p in (paths or []) if p]
            if not paths:
                return (R.notice_html("No file arrived; try again.", "warn"), gr.skip()) + refresh()
            progress(0.0, desc="Reading the files")
            try:
                rep = service.add_uploads(paths, progress=lambda m, f: progress(f, desc=m))
            except QAError as exc:
                return (R.notice_html(str(exc), "error"), None) + refresh()
            except Exception as exc:
                traceback.print_exc()
                return (R.notice_html(f"Indexing failed ({type(exc).__name__}); details are in the terminal.", "error"), None) + refresh()
            return (_upload_report_html(rep), None) + refresh()

        def on_build(progress=gr.Progress()):
            if not corpus_files(cfg.corpus_dir):
                msg = f"{cfg.corpus_dir}/ has no .txt, .md, .html or .jsonl files yet: add some, or upload articles under “Add articles”."
                return (R.notice_html(msg, "warn"),) + refresh()
            try:
                problems = service.build(progress=lambda m, f: progress(f, desc=m))
            except QAError as exc:
                return (R.notice_html(str(exc), "error"),) + refresh()
            msg = f"Index ready: {service.status()}."
            if problems:
                msg += f" Skipped {len(problems)} file(s): " + "; ".join(problems[:5])
            return (R.notice_html(msg, "ok"),) + refresh()

        ask_inputs = [question, k, outlets, date_from, date_to, chat, session]
        ask_outputs = [question, chat, session, source, download, notice]
        for trigger in (question.submit, ask_btn.click):
            trigger(on_ask, ask_inputs, ask_outputs, api_visibility="private", show_progress_on=[chat]).then(
                None, None, None, js=SCROLL_CHAT_JS, api_visibility="private"
            )
        open_ref.change(on_open, [open_ref, session], [source], api_visibility="private", show_progress="hidden")
        for trigger in (clear_btn.click, chat.clear):  # the button, or the chat's own trash icon
            trigger(on_clear, None, [chat, session, source, download, notice, question], api_visibility="private")
        files.upload(
            on_upload, [files], [upload_report, files] + refresh_outputs, api_visibility="private",
            show_progress_on=[upload_report],
        )
        build_btn.click(on_build, None, [build_report] + refresh_outputs, api_visibility="private",
                        show_progress_on=[build_report])
        demo.load(refresh, None, refresh_outputs, api_visibility="private", show_progress="hidden")

        def ask(
            question: str,
            k: int = cfg.quotes,
            sources: list[str] | None = None,
            date_from: str = "",
            date_to: str = "",
            history: list[str] | None = None,
        ) -> dict:
            """Answer `question` with up to `k` exact quotes; returns the Answer record as a dict
            (question, answer, abstained, short_answer, config, quotes[n, text, doc_id, title, source,
            date, start, end, score, url, short_start, short_end, also_in]). Optional: `sources`
            (outlets to quote), `date_from`/`date_to` (YYYY-MM-DD), `history` (earlier questions)."""
            try:
                return service.ask(
                    question, k, history=history or (), sources=sources or None, date_from=date_from, date_to=date_to
                ).to_dict()
            except QAError as exc:
                raise gr.Error(str(exc), print_exception=False) from None

        gr.api(ask, api_name="ask")
    return demo


def _upload_report_html(rep: UploadReport) -> str:
    from .ui_render import esc

    parts = []
    names = rep.added + rep.replaced
    if names:
        shown = ", ".join(esc(n.removeprefix("uploads/")) for n in names[:8]) + (" …" if len(names) > 8 else "")
        verb = f"Added {len(names)} article{'s' if len(names) != 1 else ''}"
        parts.append(
            f'<div class="qa-notice qa-notice-ok" role="status">{verb}: {shown}. '
            f"Ask about {'them' if len(names) != 1 else 'it'} now ({rep.total} documents in the index)."
            + (f" Replaced the earlier upload of {', '.join(esc(n.removeprefix('uploads/')) for n in rep.replaced)}." if rep.replaced else "")
            + "</div>"
        )
    if rep.problems:
        items = "".join(f"<li>{esc(p)}</li>" for p in rep.problems)
        parts.append(
            f'<div class="qa-notice qa-notice-warn" role="alert">Skipped {len(rep.problems)} '
            f"file{'s' if len(rep.problems) != 1 else ''}{' (the rest were indexed)' if names else ''}:<ul>{items}</ul></div>"
        )
    if not parts:
        parts.append(R.notice_html("Nothing to add.", "info"))
    return "".join(parts)


# --- launching -----------------------------------------------------------------------------------


def password_check(password: str) -> Callable[[str, str], bool]:
    """Gradio auth: any user name, this password."""

    def check(_username: str, given: str) -> bool:
        return hmac.compare_digest((given or "").encode(), password.encode())

    return check


def launch_kwargs(config: Config) -> dict:
    """The `Blocks.launch` arguments for `config`: address, upload limit, optional password, look."""
    kwargs = dict(
        server_name=config.host,
        server_port=config.port,
        max_file_size=f"{config.max_upload_mb}mb",
        css=CSS,
        head=HEAD,
        theme=_theme(),
        show_error=False,
        footer_links=["api", "gradio"],
    )
    if config.password:
        kwargs["auth"] = password_check(config.password)
        kwargs["auth_message"] = "This question-answering app is password protected. Any user name; the password is in QA_PASSWORD."
    return kwargs


def serve(config: Config | None = None, *, service: Service | None = None, prevent_thread_lock: bool = False,
          log: Log = _print):
    """Open (or on a first run build) the index, then serve the app. Returns the Blocks."""
    config = config or Config.from_env()
    service = service or Service.start(config, log=log)
    demo = build_app(service)
    demo.queue(default_concurrency_limit=2)
    if config.host not in ("127.0.0.1", "localhost", "::1") and not config.password:
        log(f"Warning: listening on {config.host} without a password; set QA_PASSWORD or --password.")
    try:
        demo.launch(prevent_thread_lock=prevent_thread_lock, quiet=False, **launch_kwargs(config))
    except OSError as exc:
        if "port" in str(exc).lower():
            raise ConfigError(
                f"port {config.port} on {config.host} is in use: stop the other server or pick another with --port / QA_PORT"
            ) from None
        raise
    return demo


def main(config: Config | None = None) -> None:
    """`python app.py`: serve, printing library errors as one line instead of a traceback."""
    import sys

    try:
        serve(config or Config.from_env())
    except QAError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)


launch = serve  # the name the first app.py used
