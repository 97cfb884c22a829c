"""The Quotes tab: find what people said (topic box, speaker picker with counts), read each quotation
highlighted in its article, copy it with its citation, export the selected ones as Markdown or CSV.

Like the chat, it only calls the shared `Service` (which calls `Assistant.quotes`/`speakers`), and
all its HTML comes from `quotations_html`, which escapes document text.
"""

from __future__ import annotations

import re
import traceback
from types import SimpleNamespace

import gradio as gr

from ..errors import QAError
from ..render import quotations_csv, quotations_markdown
from . import exports as X
from .endpoint import PRIVATE
from .html import notice_html, source_placeholder_html
from .quotations_html import quote_in_article_html, quote_results_html, speaker_label
from .service import Service

SHOWN = 20  # quotations one search shows: a page of cards, not the whole corpus
PANEL_HINT = "Click a quotation, or Show in article, to read it highlighted in its article."


def _speaker_choices(service: Service) -> list[tuple[str, str]]:
    return [("Anyone", "")] + [(speaker_label(s), s.id) for s in service.speakers()]


def quotations_tab(service: Service, demo: gr.Blocks, picker: gr.Dropdown | None = None) -> SimpleNamespace:
    """Lay out the tab's components inside the current gr.Tab and wire them; returns them."""
    t = SimpleNamespace(found=gr.State([]))
    with gr.Row(equal_height=True):
        t.topic = gr.Textbox(label="Topic", placeholder="e.g. peace treaty (empty: any)", elem_id="qa-q-topic", scale=5)
        t.speaker = gr.Dropdown(
            choices=_speaker_choices(service),
            value="",
            label="Speaker (quotes)",
            elem_id="qa-q-speaker",
            scale=4,
            filterable=True,
        )
        t.search = gr.Button("Find quotes", variant="primary", elem_id="qa-q-search", scale=1, min_width=110)
    with gr.Row(equal_height=False):
        with gr.Column(scale=11, min_width=420):
            t.notice = gr.HTML(elem_id="qa-q-notice")
            t.results = gr.HTML(quote_results_html([]), elem_id="qa-q-results")
            t.selected = gr.CheckboxGroup(choices=[], label="Quotes to export", elem_id="qa-q-select")
            with gr.Row():
                t.md = gr.DownloadButton("Export selected (.md)", interactive=False, size="sm", elem_id="qa-q-md")
                t.csv = gr.DownloadButton("Export selected (.csv)", interactive=False, size="sm", elem_id="qa-q-csv")
                t.csl = gr.DownloadButton("Sources (CSL-JSON)", interactive=False, size="sm", elem_id="qa-q-csl")
                t.bib = gr.DownloadButton("Sources (BibTeX)", interactive=False, size="sm", elem_id="qa-q-bib")
        with gr.Column(scale=9, min_width=360):
            t.panel = gr.HTML(source_placeholder_html(PANEL_HINT), elem_id="qa-quote-panel")
    t.ref = gr.Textbox(elem_id="qa-quote-ref", show_label=False, container=False)
    t.style = picker if picker is not None else gr.State("qa")
    _wire(_QuoteHandlers(service), t, demo)
    return t


def _wire(h: "_QuoteHandlers", t: SimpleNamespace, demo: gr.Blocks) -> None:
    files = [t.md, t.csv, t.csl, t.bib]
    outputs = [t.results, t.found, t.selected, *files, t.panel, t.notice]
    for trigger in (t.topic.submit, t.search.click, t.speaker.change):
        trigger(h.on_search, [t.topic, t.speaker, t.style], outputs, show_progress_on=[t.results], **PRIVATE)
    t.selected.change(h.on_select, [t.selected, t.found, t.style], files, show_progress="hidden", **PRIVATE)
    if isinstance(t.style, gr.Dropdown):
        t.style.change(h.on_select, [t.selected, t.found, t.style], files, show_progress="hidden", **PRIVATE)
    t.ref.change(h.on_open_quote, [t.ref, t.found], [t.panel], show_progress="hidden", **PRIVATE)
    demo.load(h.on_speakers, None, [t.speaker], show_progress="hidden", **PRIVATE)


class _QuoteHandlers:
    def __init__(self, service: Service):
        self.service = service

    def on_speakers(self):
        self.service.settle()  # on page load: the list fills in once the index is open
        return gr.Dropdown(choices=_speaker_choices(self.service))

    def on_search(self, topic, speaker, style=None):
        keep = (gr.skip(),) * 8
        if not self.service.ready:
            return keep + (notice_html(self.service.message or "No index yet: build it or upload articles.", "warn"),)
        try:
            found = self.service.quotes(topic=topic, speaker=speaker or None, n=SHOWN)
        except QAError as exc:
            return keep + (notice_html(str(exc), "warn"),)
        except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
            traceback.print_exc()
            return keep + (
                notice_html(f"Something went wrong ({type(exc).__name__}); details are in the terminal.", "error"),
            )
        message = "No quotation in these articles matches." if not found else ""
        choices = [(f"[{f.n}] {f.text[:70]}{'…' if len(f.text) > 70 else ''}", f.n) for f in found]
        docs = self.service.documents()
        return (
            quote_results_html(found, message, docs),
            found,
            gr.CheckboxGroup(choices=choices, value=[f.n for f in found]),
            *self._exports(found, topic, style),
            source_placeholder_html(PANEL_HINT),
            "",
        )

    def on_select(self, selected, found, style=None):
        chosen = [f for f in (found or []) if f.n in set(selected or [])]
        return self._exports(chosen, "selected", style)

    def _exports(self, found, topic, style=None) -> tuple:
        if not found:
            return (X.off(),) * 4
        docs = self.service.documents()
        contents = {
            ".md": quotations_markdown(found, X.style_of(style), docs),
            ".csv": quotations_csv(found),
            **X.source_files(found, docs),
        }
        return tuple(X.write(self.service.tmp, f"quotes-{X.slug(topic)}", contents))

    def on_open_quote(self, ref, found):
        m = re.match(r"^(\d+)(?:\|.*)?$", (ref or "").strip())
        fq = next((f for f in (found or []) if m and f.n == int(m.group(1))), None)
        if fq is None:
            return gr.skip()
        return quote_in_article_html(fq, self.service.documents())
