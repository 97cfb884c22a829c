"""The page: a Gradio chat that answers with numbered quotes and opens each in its article.

It adds no retrieval logic: every answer comes from the shared `Service`, and all HTML from
`qa.web.html`, which escapes document text. Per-session state (the questions asked so far and the
answers given) lives in `gr.State`, so follow-up questions carry their history.
"""

from __future__ import annotations

import re
import traceback
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import gradio as gr
from starlette.middleware import Middleware

from ..api import corpus_files, today
from ..config import Config
from ..errors import ConfigError, QAError
from ..records import Answer, Document, Turn
from ..render import answer_markdown, safe_url
from . import exports as X
from . import html as H
from .auth import (
    BASE_PAUSE_S,
    GLOBAL_MAX_PER_MINUTE,
    MAX_FAILURES,
    MAX_PAUSE_S,
    ClientAddress,
    LoginGuard,
    password_check,
    trusted_proxies,
    wait_text,
)
from .draft import api_support, draft_tab
from .endpoint import PRIVATE, StrictBlocks, one_line_errors
from .links import links_section, wire_links
from .quotations_tab import quotations_tab
from .service import UPLOAD_TYPES, Log, Service, print_line, suffix_list
from .timeline_tab import timeline_tab
from .upload_names import DotNames, delete_uploaded

MAX_QUOTES = 10  # the slider's top; the /ask endpoint takes up to qa.api.MAX_K
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Answers run two at a time: the machine this is built for has 2 cores, and an answer is CPU-bound
# (embedding, NER), so more at once only makes each slower. Requests beyond that wait in the queue;
# past QUEUE_MAX waiting, a new one is refused at once with "queue is full" instead of waiting
# minutes (at about 20 answers a second, 64 waiting is a few seconds' work).
ANSWERS_AT_ONCE = 2
QUEUE_MAX = 64
# Gradio's own copies of this app's files (uploads it never handed to an event, exported answers) are
# deleted once they are this old, checked as often: handled uploads go at once (delete_uploaded)
GRADIO_CACHE_S = 3600
LOGIN_MESSAGE = (
    "This question-answering app is password protected: log in with any user name and the one shared "
    f"password (QA_PASSWORD). After {MAX_FAILURES} wrong passwords from one address, logins from it pause "
    f"for {wait_text(BASE_PAUSE_S)}, doubling with each further wrong one (at most {wait_text(MAX_PAUSE_S)}); "
    "during a pause every attempt is refused as incorrect, even with the right password. After "
    f"{GLOBAL_MAX_PER_MINUTE} wrong passwords within a minute from all addresses together, every login pauses "
    "until the oldest is a minute old."
)


def _static(name: str) -> str:
    return resources.files(__package__).joinpath("static").joinpath(name).read_text(encoding="utf-8")


CSS = _static("app.css") + "\n" + _static("quotes.css") + "\n" + _static("timeline.css")
HEAD = '<meta name="color-scheme" content="light dark">\n<script>\n' + _static("app.js") + "</script>\n"
HEAD += "<script>\n" + _static("quotes.js") + "</script>\n"  # the Quotes tab's cards
HEAD += "<script>\n" + _static("timeline.js") + "</script>\n"  # the Timeline tab's entries
# The source panel's js_on_load: Gradio runs it with `element` and `watch` in scope, and it brings
# the highlighted span into view after each new value.
SOURCE_JS = _static("source_panel.js")
# After an answer: show the start of the newest question, not the bottom of its quote list.
SCROLL_CHAT_JS = _static("scroll_chat.js")


def _new_session() -> dict:
    return {"questions": [], "answers": []}  # earlier questions (the history= of ask) and their Answers


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "answer"


def _parse_ref(ref: str) -> tuple[int, int, int | None] | None:
    """(turn, quote n, also_in index) from a "turn:n[:also]|nonce" value sent by the page script."""
    m = re.match(r"^(\d+):(\d+)(?::(\d+))?(?:\|.*)?$", (ref or "").strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), (int(m.group(3)) if m.group(3) is not None else None)


def _date_hints(service: Service) -> tuple[str, str]:
    dr = service.date_range()
    return dr if dr else ("YYYY-MM-DD", "YYYY-MM-DD")


# --- layout --------------------------------------------------------------------------------------


def build_app(service: Service) -> gr.Blocks:
    """The Gradio Blocks of the app (not launched)."""
    with StrictBlocks(
        title="qa — answers from your articles",
        analytics_enabled=False,
        fill_width=True,
        delete_cache=(GRADIO_CACHE_S, GRADIO_CACHE_S),
    ) as demo:
        p = SimpleNamespace(session=gr.State(_new_session()))
        _header_section(service, p)
        with gr.Row(elem_id="qa-cite-row"):
            p.cite = X.style_picker()
        with gr.Tabs(elem_id="qa-tabs"):
            with gr.Tab("Ask", id="ask", elem_id="qa-tab-ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=11, min_width=420):
                        _chat_section(p)
                        _settings_section(service, p)
                        _upload_section(service, p)
                    with gr.Column(scale=9, min_width=360, elem_id="qa-source-col"):
                        p.source = gr.HTML(H.source_placeholder_html(), elem_id="qa-source-panel", js_on_load=SOURCE_JS)
            with gr.Tab("Quotes", id="quotes", elem_id="qa-tab-quotes"):
                p.quotes = quotations_tab(service, demo, p.cite)
            draft_tab(service, p.cite)
            p.timeline = timeline_tab(service, demo, p.cite, SOURCE_JS)
        # the page script writes the quote to open here; its change event renders the source panel
        p.open_ref = gr.Textbox(elem_id="qa-open-ref", show_label=False, container=False)
        _wire_handlers(_Handlers(service), p, demo)
        X.wire_picker(demo, p.cite)
        gr.api(_api_ask(service), api_name="ask")
        gr.api(api_support(service), api_name="support")
        gr.api(_api_timeline(service), api_name="timeline")
    return demo


def _header_section(service: Service, p: SimpleNamespace) -> None:
    # built while the index may still be opening (`qa serve` answers HTTP first): never wait here;
    # the page-load refresh shows the real state
    p.header = gr.HTML(H.header_html(service.status(), service.ready_now), elem_id="qa-header-box")
    with gr.Column(visible=not service.ready_now, elem_id="qa-noindex") as p.noindex_box:
        p.noindex_text = gr.Markdown(service.message or "No index yet.")
        p.build_btn = gr.Button("Build index", variant="primary", elem_id="qa-build", size="sm")
    p.build_report = gr.HTML(elem_id="qa-build-report")


def _chat_section(p: SimpleNamespace) -> None:
    p.chat = gr.Chatbot(
        elem_id="qa-chat",
        label="Chat",
        show_label=False,
        height="64vh",
        autoscroll=False,
        buttons=[],
        feedback_options=None,
        latex_delimiters=[],
        sanitize_html=True,
        layout="bubble",
        placeholder=(
            "**Ask a question about your articles.**<br>Every answer is made of exact quotes, numbered "
            "[1], [2] … with outlet and date. Click a quote to read it highlighted in its article. "
            "Follow-up questions (“When was that?”, “What about Aliyev?”) build on the previous answer."
        ),
    )
    with gr.Row(equal_height=True):
        p.question = gr.Textbox(
            show_label=False,
            placeholder="Ask a question about the articles …",
            lines=1,
            max_lines=4,
            scale=8,
            elem_id="qa-question",
            autofocus=True,
        )
        p.ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="qa-ask")
    p.notice = gr.HTML(elem_id="qa-notice-box")
    with gr.Row():
        p.clear_btn = gr.Button("Clear chat", size="sm", elem_id="qa-clear")
        p.download = gr.DownloadButton("Download answer (.md)", size="sm", interactive=False, elem_id="qa-download")
        p.csl = gr.DownloadButton("Sources (CSL-JSON)", size="sm", interactive=False, elem_id="qa-csl")
        p.bib = gr.DownloadButton("Sources (BibTeX)", size="sm", interactive=False, elem_id="qa-bib")


def _settings_section(service: Service, p: SimpleNamespace) -> None:
    first, last = _date_hints(service)
    with gr.Accordion("Answer settings: quotes, outlets, dates", open=False, elem_id="qa-settings"):
        with gr.Row():
            p.k = gr.Slider(
                1,
                MAX_QUOTES,
                value=min(service.config.quotes, MAX_QUOTES),
                step=1,
                label="Quotes per answer",
                elem_id="qa-k",
                min_width=180,
            )
            p.outlets = gr.Dropdown(
                choices=service.outlets(),
                value=[],
                multiselect=True,
                label="Outlets",
                info="Quote only these (empty: all)",
                elem_id="qa-outlets",
                min_width=220,
            )
        with gr.Row():
            p.date_from = gr.Textbox(label="From date", placeholder=first, elem_id="qa-date-from", min_width=140)
            p.date_to = gr.Textbox(label="To date", placeholder=last, elem_id="qa-date-to", min_width=140)
        gr.Markdown(H.SETTINGS_HINT)


def _upload_section(service: Service, p: SimpleNamespace) -> None:
    limit = service.config.serve.max_upload_mb
    with gr.Accordion("Add articles", open=not service.ready_now, elem_id="qa-add"):
        # no file_types filter: a wrong file should reach ingest and come back with its reason
        p.files = gr.File(
            label=(
                f"Upload {', '.join(UPLOAD_TYPES)} files (up to {limit} MB each); they are indexed at once "
                "and kept in the corpus folder, under uploads/"
            ),
            file_count="multiple",
            type="filepath",
            elem_id="qa-upload",
            height=120,
        )
        p.replace = gr.Textbox(
            label="Replace (optional)",
            elem_id="qa-replace",
            max_lines=2,
            placeholder="document ids or uploaded file names, comma-separated",
            info="An upload never replaces a document the index holds unless you name it here.",
        )
        p.upload_report = gr.HTML(elem_id="qa-upload-report")
        links_section(p)


def _wire_handlers(h: "_Handlers", p: SimpleNamespace, demo: gr.Blocks) -> None:
    # every UI event is private: a script sees one clear endpoint, /ask
    ask_inputs = [p.question, p.k, p.outlets, p.date_from, p.date_to, p.chat, p.session, p.cite]
    ask_outputs = [p.question, p.chat, p.session, p.source, p.download, p.csl, p.bib, p.notice]
    for trigger in (p.question.submit, p.ask_btn.click):
        trigger(h.on_ask, ask_inputs, ask_outputs, show_progress_on=[p.chat], **PRIVATE).then(
            None, None, None, js=SCROLL_CHAT_JS, **PRIVATE
        )
    p.open_ref.change(h.on_open, [p.open_ref, p.session], [p.source], show_progress="hidden", **PRIVATE)
    for trigger in (p.clear_btn.click, p.chat.clear):  # the button, or the chat's own trash icon
        trigger(
            h.on_clear, None, [p.chat, p.session, p.source, p.download, p.csl, p.bib, p.notice, p.question], **PRIVATE
        )
    p.cite.change(h.on_style, [p.session, p.cite], [p.download, p.csl, p.bib], show_progress="hidden", **PRIVATE)
    refresh_outputs = [p.header, p.outlets, p.noindex_box, p.noindex_text, p.date_from, p.date_to]
    # whatever happened to the upload (even an error before it reached on_upload), the box is emptied
    # after it, so a bad file never rides along with the next one
    p.files.upload(
        h.on_upload,
        [p.files, p.replace],
        [p.upload_report, p.files] + refresh_outputs,
        show_progress_on=[p.upload_report],
        **PRIVATE,
    ).then(lambda: None, None, [p.files], show_progress="hidden", **PRIVATE)
    wire_links(h.service, p, refresh_outputs, h.on_refresh)
    p.build_btn.click(
        h.on_build, None, [p.build_report] + refresh_outputs, show_progress_on=[p.build_report], **PRIVATE
    )
    demo.load(h.on_refresh, None, refresh_outputs, show_progress="hidden", **PRIVATE)


# --- handlers ------------------------------------------------------------------------------------


def _refused(message: str, kind: str = "warn") -> tuple:
    """Leave the chat as it is and say why under the question box."""
    return (gr.skip(),) * 7 + (H.notice_html(message, kind),)


def _filters(sources, date_from, date_to) -> list[str]:
    """The filters a question was asked with, as words for the notice under the answer."""
    dates = [(label, (v or "").strip()) for label, v in (("from", date_from), ("to", date_to))]
    return ([", ".join(sources)] if sources else []) + [f"{label} {v}" for label, v in dates if v]


def _first_source(answer: Answer, documents: dict[str, Document]) -> str:
    if answer.quotes:
        return H.quote_source_html(answer, answer.quotes[0].n, documents)
    return H.source_placeholder_html("No quote to show: the articles do not answer this question.")


class _Handlers:
    """The page's event handlers over the shared service (the session's state comes in with each event).

    Gradio names an event after its function, so these are `on_*`: the public endpoint is `ask`.
    """

    def __init__(self, service: Service):
        self.service = service

    def on_ask(self, q, k, sources, date_from, date_to, messages, state, style=None):
        q = q.strip() if isinstance(q, str) else q  # anything else: the API names what is wrong
        if q in ("", None):
            return _refused("Type a question about the articles first, then press Enter or Ask.")
        if not self.service.ready:
            return _refused(self.service.message or "No index yet: build it or upload articles.")
        try:
            # the turns so far with their answers: a follow-up is read against what was just said
            turns = [Turn(question, a) for question, a in zip(state["questions"], state["answers"])]
            answer = self.service.ask(
                q, k, history=turns, sources=sources or None, date_from=date_from, date_to=date_to, asked_on=today()
            )
        except QAError as exc:  # a bad k or date: the API's one-line message says what to fix
            return _refused(str(exc))
        except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
            traceback.print_exc()
            return _refused(f"Something went wrong ({type(exc).__name__}); details are in the terminal.", "error")
        filters = _filters(sources, date_from, date_to)
        turn = len(state["answers"])
        state = {"questions": state["questions"] + [q], "answers": state["answers"] + [answer]}
        docs = self.service.documents()
        messages = list(messages or []) + [
            {"role": "user", "content": H.question_html(q)},
            {
                "role": "assistant",
                "content": H.resolved_html(answer) + H.answer_html(answer, turn, docs, filtered=bool(filters)),
            },
        ]
        note = H.notice_html("Filtered: " + " · ".join(filters), "info") if filters else ""
        return ("", messages, state, _first_source(answer, docs), *self._downloads(state, style), note)

    def _downloads(self, state, style) -> tuple:
        """The last answer as Markdown (cited in `style`) and its sources as CSL-JSON and BibTeX."""
        if not state["answers"]:
            return (X.off(),) * 3
        answer, docs = state["answers"][-1], self.service.documents()
        stem = f"answer-{len(state['answers'])}-{_slug(answer.question)}"
        contents = {".md": answer_markdown(answer, docs, X.style_of(style))}
        if answer.quotes:
            contents.update(X.source_files(answer.quotes, docs))
        buttons = X.write(self.service.tmp, stem, contents)
        return tuple(buttons + [X.off()] * (3 - len(buttons)))

    def on_style(self, state, style):
        return self._downloads(state, style)

    def on_open(self, ref, state):
        parsed = _parse_ref(ref)
        if not parsed or parsed[0] >= len(state["answers"]):
            return gr.skip()
        turn, n, also = parsed
        return H.quote_source_html(state["answers"][turn], n, self.service.documents(), also)

    def on_clear(self):
        return [], _new_session(), H.source_placeholder_html(), X.off(), X.off(), X.off(), "", ""

    def on_refresh(self) -> tuple:
        """What changes when the index does: status, outlets, the no-index box, the date hints
        (on page load, after the index has been opened, or changed by another process)."""
        self.service.settle()
        self.service.refresh()
        first, last = _date_hints(self.service)
        return (
            H.header_html(self.service.status(), self.service.ready),
            gr.Dropdown(choices=self.service.outlets()),
            gr.Column(visible=not self.service.ready),
            self.service.message or "No index yet.",
            gr.Textbox(placeholder=first),
            gr.Textbox(placeholder=last),
        )

    def on_upload(self, paths, replace="", progress=gr.Progress()):
        paths = [p for p in (paths or []) if isinstance(p, str) and p]
        if not paths:
            return (H.notice_html("No file arrived; try again.", "warn"), None) + self.on_refresh()
        names = [self.service.upload_names.pop(p, Path(p).name) for p in paths]
        progress(0.0, desc="Reading the files")
        try:
            report = self.service.add_uploads(
                paths,
                names=names,
                replace=replace if isinstance(replace, str) else "",
                progress=lambda m, f: progress(f, desc=m),
            )
        except QAError as exc:
            return (H.notice_html(str(exc), "error"), None) + self.on_refresh()
        except Exception as exc:
            traceback.print_exc()
            failed = f"Indexing failed ({type(exc).__name__}); details are in the terminal."
            return (H.notice_html(failed, "error"), None) + self.on_refresh()
        finally:
            delete_uploaded(paths, gradio_upload_folder())  # Gradio's copies: the corpus keeps what was added
        return (H.upload_report_html(report), None) + self.on_refresh()

    def on_build(self, progress=gr.Progress()):
        corpus = self.service.config.corpus_dir
        if not corpus_files(corpus):
            msg = f"{corpus}/ has no {suffix_list()} files yet: add some, or upload articles under “Add articles”."
            return (H.notice_html(msg, "warn"),) + self.on_refresh()
        try:
            problems = self.service.build(progress=lambda m, f: progress(f, desc=m))
        except QAError as exc:
            return (H.notice_html(str(exc), "error"),) + self.on_refresh()
        msg = f"Index ready: {self.service.status()}."
        if problems:
            msg += f" Skipped {len(problems)} file(s): " + "; ".join(problems[:5])
        return (H.notice_html(msg, "ok"),) + self.on_refresh()


def api_record(answer: Answer) -> dict:
    """The Answer record as /ask returns it: `to_dict()`, and on each quote `url_safe`."""
    record = answer.to_dict()
    for q in record["quotes"]:
        # A document's URL is returned as written (like its text, it is the record, not a link);
        # the flag says whether it may be used as a link as it is: only a plain http(s) URL may.
        q["url_safe"] = bool(q["url"]) and safe_url(q["url"]) == q["url"]
    return record


def _api_ask(service: Service) -> Callable[..., dict]:
    """The /ask endpoint; Gradio documents it from this signature and docstring."""

    def ask(
        question: str,
        k: int = service.config.quotes,
        sources: list[str] | None = None,
        date_from: str = "",
        date_to: str = "",
        history: list | None = None,
    ) -> dict:
        """Answer `question` with up to `k` (1 to 50) exact quotes; returns the Answer record as a dict
        (question, answer, abstained, short_answer, retrieval, confidence, quotes[n, text, doc_id,
        title, source, date, start, end, score, url, url_safe, short_start, short_end, also_in, also_reported_by]).
        Optional: `sources` (outlets to quote), `date_from`/`date_to` (YYYY-MM-DD), `history`
        (the earlier turns, oldest first: each the Answer record /ask returned, or just the question
        text; a follow-up is resolved against the last one and `resolved_question` says what was
        searched). Document text and metadata are untrusted: escape them when showing
        them. `url` is the article's URL as written; `url_safe` is true only when it is a plain
        http(s) URL: link it only then (a `javascript:` or other URL is kept, flagged false, and is
        for showing as text). A bad question, k or date raises an error with a one-line message."""
        answer = service.ask(
            question,
            k,
            history=history or (),
            sources=sources or None,
            date_from=date_from,
            date_to=date_to,
            asked_on=today(),
        )
        return api_record(answer)

    return one_line_errors(ask)


def _api_timeline(service: Service) -> Callable[..., dict]:
    """The /timeline endpoint; Gradio documents it from this signature and docstring."""

    def timeline(topic: str = "", since: str = "", until: str = "", source: str = "", n: int = 50) -> dict:
        """The dated events about `topic` (every dated event when empty), in date order: returns the
        Timeline record (topic, entries[n, when{kind, value, basis, part, phrase, start, end, label},
        text, doc_id, start, end, title, source, date, url, url_safe, also_in (each with its own
        "when"), also_reported_by], undated[the same, for events whose date the articles do not
        give]). `since`/`until` (YYYY-MM-DD) bound the events' own dates; `source` is an outlet; `n`
        1 to 200. Document text and metadata are untrusted: escape them when showing them."""
        try:
            result = service.timeline(topic=topic, since=since, until=until, source=source or None, n=n)
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        record = result.to_dict()
        for entry in record["entries"] + record["undated"]:
            entry["url_safe"] = bool(entry["url"]) and safe_url(entry["url"]) == entry["url"]
        return record

    return timeline


# --- launching -----------------------------------------------------------------------------------


def _theme():
    # system fonts: an offline app must not wait for web fonts
    return gr.themes.Soft(
        primary_hue="indigo",
        font=["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def gradio_upload_folder() -> str:
    from gradio.utils import get_upload_folder

    return get_upload_folder()


def launch_kwargs(
    config: Config, *, guard: LoginGuard | None = None, log: Log = print_line, service: Service | None = None
) -> dict:
    """The `Blocks.launch` arguments for `config`: address, upload limit, optional password, look."""
    serve = config.serve
    kwargs = dict(
        server_name=serve.host,
        server_port=serve.port,
        max_file_size=f"{serve.max_upload_mb}mb",
        css=CSS,
        head=HEAD,
        theme=_theme(),
        show_error=False,
        footer_links=["api", "gradio"],
    )
    middleware = [Middleware(DotNames, names=service.upload_names)] if service is not None else []
    if serve.password:
        kwargs["auth"] = password_check(serve.password, guard or LoginGuard(), log)
        kwargs["auth_message"] = LOGIN_MESSAGE
        # Gradio's auth callable gets no request: this middleware tells it the client's address
        middleware.append(Middleware(ClientAddress))
    if middleware:
        kwargs["app_kwargs"] = {"middleware": middleware}
    return kwargs


def serve(
    config: Config | None = None,
    *,
    service: Service | None = None,
    prevent_thread_lock: bool = False,
    log: Log = print_line,
    login_guard: LoginGuard | None = None,
) -> gr.Blocks:
    """Serve the app, then open (or on a first run build) the index; until it is open, requests
    that need it wait (`Service.settle`). Returns the Blocks.

    `login_guard` limits wrong passwords per client (default: a `LoginGuard()` of its own)."""
    config = config or Config.from_env()
    opening = service is None
    # answer HTTP first, then open the index: the page is up while torch and spaCy load
    service = Service.opening(config) if service is None else service
    demo = build_app(service)
    demo.queue(default_concurrency_limit=ANSWERS_AT_ONCE, max_size=QUEUE_MAX)
    host, port = config.serve.host, config.serve.port
    if host not in _LOCAL_HOSTS and not config.serve.password:
        log(f"Warning: listening on {host} without a password; set QA_PASSWORD or use --password-file.")
    try:
        kwargs = launch_kwargs(config, guard=login_guard, log=log, service=service)
        with trusted_proxies(config.serve.trusted_proxies):  # X-Forwarded-For believed from these only
            demo.launch(prevent_thread_lock=True, quiet=False, **kwargs)
    except OSError as exc:
        if "port" in str(exc).lower():
            raise ConfigError(
                f"port {port} on {host} is in use: stop the other server or pick another with --port / QA_PORT"
            ) from None
        raise
    if opening:
        try:
            service.open(log=log)
        except BaseException:
            demo.close()
            raise
    if not prevent_thread_lock:
        demo.block_thread()
    return demo
