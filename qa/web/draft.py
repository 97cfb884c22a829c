"""The Check a draft tab: paste text, see each sentence marked supported (with its numbered sources)
or unsupported, and copy the annotated draft as Markdown. Sources come from `Service.support`
(Assistant.support); all HTML from `qa.web.html.draft_html`, which escapes draft and document text."""

from __future__ import annotations

import traceback
from typing import Callable

import gradio as gr

from ..errors import QAError
from ..render import safe_url, support_markdown
from . import exports as X
from . import html as H
from .endpoint import PRIVATE, one_line_errors
from .service import Service

INTRO = (
    "Paste a paragraph or more of your draft. Each sentence is looked up in the articles: a supported "
    "sentence gets [n] markers for its quotes, listed below with outlet and date; one the articles do not "
    "back is marked as having no support in these articles."
)


def draft_tab(service: Service, picker: gr.Dropdown | None = None) -> None:
    """The tab's components and its events (inside the page's Blocks and Tabs)."""
    with gr.Tab("Check a draft", id="draft", elem_id="qa-tab-draft"):
        gr.Markdown(INTRO)
        text = gr.Textbox(
            show_label=False, lines=8, max_lines=30, elem_id="qa-draft", placeholder="Paste your draft here …"
        )
        check = gr.Button("Find sources", variant="primary", elem_id="qa-draft-check")
        notice = gr.HTML(elem_id="qa-draft-notice")
        result = gr.HTML(elem_id="qa-draft-result")
        with gr.Row():
            files = [
                gr.DownloadButton("Annotated draft (.md)", interactive=False, size="sm", elem_id="qa-draft-md"),
                gr.DownloadButton("Sources (CSL-JSON)", interactive=False, size="sm", elem_id="qa-draft-csl"),
                gr.DownloadButton("Sources (BibTeX)", interactive=False, size="sm", elem_id="qa-draft-bib"),
            ]
        checked = gr.State(None)
        style = picker if picker is not None else gr.State("qa")
    check.click(
        _checker(service), [text, style], [result, notice, checked, *files], show_progress_on=[result], **PRIVATE
    )
    if picker is not None:
        picker.change(
            lambda support, s: _exports(service, support, s),
            [checked, picker],
            files,
            show_progress="hidden",
            **PRIVATE,
        )


def _exports(service: Service, support, style) -> tuple:
    """The checked draft as Markdown (cited in `style`) and its sources as CSL-JSON and BibTeX."""
    if support is None or not support.sources:
        return (X.off(),) * 3
    docs = service.documents()
    contents = {".md": support_markdown(support, docs, X.style_of(style)), **X.source_files(support.sources, docs)}
    return tuple(X.write(service.tmp, "draft", contents))


def _checker(service: Service):
    def on_check(text, style=None):
        keep = (gr.skip(),) * 4
        if text is None or isinstance(text, str) and not text.strip():  # anything else: the API says what is wrong
            return (
                gr.skip(),
                H.notice_html("Paste a paragraph of your draft first, then press Find sources.", "warn"),
                *keep,
            )
        if not service.ready:
            return (
                gr.skip(),
                H.notice_html(service.message or "No index yet: build it or upload articles.", "warn"),
                *keep,
            )
        try:
            support = service.support(text)
        except QAError as exc:  # too long, and the like: the API's one-line message says what to do
            return gr.skip(), H.notice_html(str(exc), "warn"), *keep
        except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
            traceback.print_exc()
            return (
                gr.skip(),
                H.notice_html(f"Something went wrong ({type(exc).__name__}); details are in the terminal.", "error"),
                *keep,
            )
        return H.draft_html(support, service.documents()), "", support, *_exports(service, support, style)

    return on_check


def api_support(service: Service) -> Callable[..., dict]:
    """The /support endpoint; Gradio documents it from this signature and docstring."""

    def support(text: str, k: int = service.config.support_quotes) -> dict:
        """Sources for a draft: each sentence of `text` backed by up to `k` (1 to 50) exact quotes, or
        flagged as having no support in these articles. Returns the DraftSupport record as a dict (text,
        annotated: the draft with [n] markers, threshold, supported, unsupported, sentences[n, text, start,
        end, supported, score, sources, checked, verdict, closest: for a sentence the articles discuss but
        do not say, their closest sentence as a quote], sources[the quotes, numbered n, as /ask returns
        them, with url_safe]). Draft and document text are untrusted: escape them when showing them. An
        empty or too long draft, or a bad k, raises an error with a one-line message."""
        record = service.support(text, k).to_dict()
        closest = [s["closest"] for s in record["sentences"] if s["closest"]]
        for q in record["sources"] + closest:  # as /ask: link a URL only when it is a plain http(s) one
            q["url_safe"] = bool(q["url"]) and safe_url(q["url"]) == q["url"]
        return record

    return one_line_errors(support)
