"""The Timeline tab: a topic, a date range and an outlet; the dated events on a vertical timeline, each
opened highlighted in its article; the selected entries exported as Markdown or CSV (cited in the
style picked), or their sources as CSL-JSON or BibTeX.

Like the other tabs it only calls the shared `Service` (Assistant.timeline), and all its HTML comes
from `timeline_html`, which escapes document text.
"""

from __future__ import annotations

import re
import traceback
from types import SimpleNamespace

import gradio as gr

from ..errors import QAError
from ..render import timeline_csv, timeline_markdown
from . import exports as X
from .endpoint import PRIVATE
from .html import notice_html, source_placeholder_html
from .service import Service
from .timeline_html import entry_in_article_html, timeline_html

PANEL_HINT = "Click an entry, or Show in article, to read it highlighted in its article."
SHOWN = 100  # entries one timeline shows
ALL_OUTLETS = "All outlets"


def _outlets(service: Service) -> list[str]:
    return [ALL_OUTLETS] + service.outlets()


def timeline_tab(
    service: Service, demo: gr.Blocks, picker: gr.Dropdown, panel_js: str | None = None
) -> SimpleNamespace:
    """The tab (inside the page's Blocks and Tabs), wired; returns its components. `panel_js`: the
    script that brings a highlighted sentence into view (the Ask tab's source panel's)."""
    t = SimpleNamespace()
    with gr.Tab("Timeline", id="timeline", elem_id="qa-tab-timeline"):
        t.timeline = gr.State(None)  # inside the tab: a component right under gr.Tabs confuses its tab bar
        with gr.Row(equal_height=True):
            t.topic = gr.Textbox(
                label="Topic",
                placeholder="e.g. Armenia–Azerbaijan peace talks (empty: every dated event)",
                elem_id="qa-tl-topic",
                scale=5,
            )
            t.since = gr.Textbox(
                label="From date", placeholder="YYYY-MM-DD", elem_id="qa-tl-since", scale=2, min_width=130
            )
            t.until = gr.Textbox(
                label="To date", placeholder="YYYY-MM-DD", elem_id="qa-tl-until", scale=2, min_width=130
            )
            t.outlet = gr.Dropdown(
                choices=_outlets(service),
                value=ALL_OUTLETS,
                label="Outlet",
                elem_id="qa-tl-outlet",
                scale=3,
                min_width=160,
            )
            t.build = gr.Button("Build timeline", variant="primary", elem_id="qa-tl-build", scale=2, min_width=130)
        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=420):
                t.notice = gr.HTML(elem_id="qa-tl-notice")
                t.results = gr.HTML(timeline_html(None), elem_id="qa-tl-results")
                t.selected = gr.CheckboxGroup(choices=[], label="Entries to export", elem_id="qa-tl-select")
                with gr.Row():
                    t.md = gr.DownloadButton("Export selected (.md)", interactive=False, size="sm", elem_id="qa-tl-md")
                    t.csv = gr.DownloadButton(
                        "Export selected (.csv)", interactive=False, size="sm", elem_id="qa-tl-csv"
                    )
                    t.csl = gr.DownloadButton("Sources (CSL-JSON)", interactive=False, size="sm", elem_id="qa-tl-csl")
                    t.bib = gr.DownloadButton("Sources (BibTeX)", interactive=False, size="sm", elem_id="qa-tl-bib")
            with gr.Column(scale=9, min_width=360, elem_id="qa-tl-panel-col"):
                t.panel = gr.HTML(source_placeholder_html(PANEL_HINT), elem_id="qa-tl-panel", js_on_load=panel_js)
        t.ref = gr.Textbox(elem_id="qa-tl-ref", show_label=False, container=False)
    _wire(_TimelineHandlers(service), t, demo, picker)
    return t


def _wire(h: "_TimelineHandlers", t: SimpleNamespace, demo: gr.Blocks, picker: gr.Dropdown) -> None:
    files = [t.md, t.csv, t.csl, t.bib]
    outputs = [t.results, t.timeline, t.selected, *files, t.panel, t.notice]
    for trigger in (t.topic.submit, t.build.click):
        trigger(
            h.on_build, [t.topic, t.since, t.until, t.outlet, picker], outputs, show_progress_on=[t.results], **PRIVATE
        )
    t.selected.change(h.on_select, [t.selected, t.timeline, picker], files, show_progress="hidden", **PRIVATE)
    picker.change(h.on_select, [t.selected, t.timeline, picker], files, show_progress="hidden", **PRIVATE)
    t.ref.change(h.on_open, [t.ref, t.timeline], [t.panel], show_progress="hidden", **PRIVATE)
    demo.load(h.on_outlets, None, [t.outlet], show_progress="hidden", **PRIVATE)


class _TimelineHandlers:
    def __init__(self, service: Service):
        self.service = service

    def on_outlets(self):
        self.service.settle()  # on page load: the outlets fill in once the index is open
        return gr.Dropdown(choices=_outlets(self.service))

    def on_build(self, topic, since, until, outlet, style):
        keep = (gr.skip(),) * 8
        if not self.service.ready:
            return keep + (notice_html(self.service.message or "No index yet: build it or upload articles.", "warn"),)
        source = None if not outlet or outlet == ALL_OUTLETS else outlet
        try:
            timeline = self.service.timeline(topic=topic, since=since, until=until, source=source, n=SHOWN)
        except QAError as exc:  # a bad date, a reversed range: the API's one-line message says what to fix
            return keep + (notice_html(str(exc), "warn"),)
        except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
            traceback.print_exc()
            return keep + (
                notice_html(f"Something went wrong ({type(exc).__name__}); details are in the terminal.", "error"),
            )
        docs = self.service.documents()
        message = "No dated event about this topic in these articles." if not timeline.all else ""
        choices = [
            (f"[{e.n}] {e.when.label()}: {e.quote.text[:60]}{'…' if len(e.quote.text) > 60 else ''}", e.n)
            for e in timeline.all
        ]
        chosen = [e.n for e in timeline.all]
        return (
            timeline_html(timeline, docs, message),
            timeline,
            gr.CheckboxGroup(choices=choices, value=chosen),
            *self._exports(timeline, chosen, style),
            source_placeholder_html(PANEL_HINT),
            "",
        )

    def on_select(self, selected, timeline, style):
        return self._exports(timeline, selected, style)

    def _exports(self, timeline, selected, style) -> tuple:
        entries = [e for e in (timeline.all if timeline else []) if e.n in set(selected or [])]
        if not entries:
            return (X.off(),) * 4
        docs, st = self.service.documents(), X.style_of(style)
        stem = f"timeline-{X.slug(timeline.topic)}"
        contents = {
            ".md": timeline_markdown(timeline, docs, st, entries),
            ".csv": timeline_csv(timeline, docs, st, entries),
            **X.source_files(entries, docs),
        }
        return tuple(X.write(self.service.tmp, stem, contents))

    def on_open(self, ref, timeline):
        m = re.match(r"^(\d+)(?::(\d+))?(?:\|.*)?$", (ref or "").strip())
        entry = next((e for e in (timeline.all if timeline else []) if m and e.n == int(m.group(1))), None)
        if entry is None:
            return gr.skip()
        return entry_in_article_html(entry, self.service.documents(), int(m.group(2)) if m.group(2) else None)
