"""The citation style picker and the files every tab offers for download: the Markdown of an answer,
quote list, draft check or timeline in the chosen style, and its sources as CSL-JSON (Zotero) or
BibTeX. The choice is kept in the browser (localStorage), not on the server: each page load reads it
back, and every Copy button carries its text in each style, so copying needs no round trip.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Mapping

import gradio as gr

from ..cite import Style
from ..records import Document
from ..render import sources_export
from .endpoint import PRIVATE

STYLE_CHOICES = [
    ("qa: outlet, “title”, date, file", "qa"),
    ("Chicago (notes and bibliography)", "chicago"),
    ("APA 7", "apa"),
    ("MLA 9", "mla"),
]
STORAGE_KEY = "qa-cite-style"
# Read back on every page load (the dropdown's change then refreshes the tabs' downloads) …
LOAD_STYLE_JS = (
    f"() => {{ let s = 'qa'; try {{ s = localStorage.getItem('{STORAGE_KEY}') || 'qa'; }} catch (e) {{}} "
    "if (!['qa', 'chicago', 'apa', 'mla'].includes(s)) s = 'qa'; window.qaCiteStyle = s; return s; }"
)
# … and kept whenever it changes; the Copy buttons read window.qaCiteStyle
SAVE_STYLE_JS = (
    f"(s) => {{ s = s || 'qa'; try {{ localStorage.setItem('{STORAGE_KEY}', s); }} catch (e) {{}} "
    "window.qaCiteStyle = s; return s; }"
)


def style_picker() -> gr.Dropdown:
    return gr.Dropdown(
        choices=STYLE_CHOICES,
        value="qa",
        label="Citation style",
        info="for Copy and exports; kept in this browser",
        elem_id="qa-cite-style",
        min_width=220,
        filterable=False,
    )


def wire_picker(demo: gr.Blocks, picker: gr.Dropdown) -> None:
    demo.load(None, None, [picker], js=LOAD_STYLE_JS, **PRIVATE)
    picker.change(None, [picker], None, js=SAVE_STYLE_JS, **PRIVATE)


def style_of(value: str | None) -> Style | None:
    """The picker's value as a style for qa.render (None: qa's own citations)."""
    value = (value or "").strip().lower()
    return Style(value) if value in ("chicago", "apa", "mla") else None


def off() -> gr.DownloadButton:
    return gr.DownloadButton(value=None, interactive=False)


def slug(text: str, default: str = "all") -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or default).lower()).strip("-")[:40] or default


def write(folder: Path, stem: str, contents: Mapping[str, str]) -> list[gr.DownloadButton]:
    """Each text in `contents` ({".md": …, ".bib": …}) saved as folder/stem-<time><suffix>, as
    download buttons in the same order."""
    stamp = f"{stem}-{int(time.time() * 1000)}"
    buttons = []
    for suffix, text in contents.items():
        path = folder / f"{stamp}{suffix}"
        path.write_text(text, encoding="utf-8")
        buttons.append(gr.DownloadButton(value=str(path), interactive=True))
    return buttons


def source_files(items, documents: Mapping[str, Document]) -> dict[str, str]:
    """The sources behind `items` as CSL-JSON and BibTeX, keyed by file suffix."""
    return {".json": sources_export(items, documents, "csl-json"), ".bib": sources_export(items, documents, "bibtex")}
