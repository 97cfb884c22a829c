"""Add by link, and Update feeds: the part of *Add articles* that fetches from the web.

Addresses go to `Service.add_links` (qa.api.fetch_articles); each article is saved under web/ in the
corpus folder and indexed at once. Page titles, outlets and problem lines are untrusted text: the
report escapes all of it (`html.esc`), and links only http(s) URLs.
"""

from __future__ import annotations

import traceback
from typing import Callable

import gradio as gr

from ..errors import QAError
from ..render import safe_url
from . import html as H
from .endpoint import PRIVATE
from .service import Service

# One click may add this many addresses: each is a page (or a feed of pages) to fetch while other
# uploads and fetches wait, so a pasted list of thousands is refused rather than run for hours.
MAX_LINKS = 50
LINKS_LABEL = (
    "Add by link: an article's address, or an RSS or Atom feed's (one a line). Each article is kept "
    "in the corpus folder under web/ with its outlet, date and URL, and indexed at once"
)
_SHOWN = 8  # articles listed by title; more are counted
LOGIN_FIRST = "Log in first: only a logged-in user may make the app fetch from the web."


def links_section(p) -> None:
    """The address box, its two buttons and their report (inside the *Add articles* accordion)."""
    p.links = gr.Textbox(label=LINKS_LABEL, placeholder="https://…", lines=2, max_lines=8, elem_id="qa-links")
    with gr.Row():
        p.add_links_btn = gr.Button("Add by link", variant="primary", size="sm", elem_id="qa-add-link")
        p.update_feeds_btn = gr.Button("Update feeds", size="sm", elem_id="qa-update-feeds")
    p.links_report = gr.HTML(elem_id="qa-links-report")


def wire_links(service: Service, p, refresh_outputs: list, refresh: Callable[[], tuple]) -> None:
    """The two buttons' events; after each, what depends on the index is refreshed (`refresh`)."""
    p.add_links_btn.click(
        _adder(service, refresh),
        [p.links],
        [p.links_report, p.links] + refresh_outputs,
        show_progress_on=[p.links_report],
        **PRIVATE,
    )
    p.update_feeds_btn.click(
        _updater(service, refresh),
        None,
        [p.links_report] + refresh_outputs,
        show_progress_on=[p.links_report],
        **PRIVATE,
    )


def may_fetch(service: Service, request: gr.Request | None) -> bool:
    """With a password set, only a logged-in user may make the server fetch."""
    return not service.config.serve.password or bool(getattr(request, "username", None))


def _adder(service: Service, refresh: Callable[[], tuple]):
    def on_add_links(text, request: gr.Request, progress=gr.Progress()):
        urls = (text or "").split()
        if not may_fetch(service, request):
            return (H.notice_html(LOGIN_FIRST, "error"), gr.skip()) + refresh()
        if not urls:
            return (H.notice_html("Paste the address of an article or a feed first.", "warn"), gr.skip()) + refresh()
        if len(urls) > MAX_LINKS:
            msg = f"{len(urls)} addresses: add at most {MAX_LINKS} at a time (or use `qa add` on the command line)."
            return (H.notice_html(msg, "warn"), gr.skip()) + refresh()
        progress(0.0, desc="Fetching")
        html = _run(lambda: service.add_links(urls, progress=lambda m, f: progress(f, desc=m)), service)
        return (html, "") + refresh()

    return on_add_links


def _updater(service: Service, refresh: Callable[[], tuple]):
    def on_update_feeds(request: gr.Request, progress=gr.Progress()):
        if not may_fetch(service, request):
            return (H.notice_html(LOGIN_FIRST, "error"),) + refresh()
        progress(0.0, desc="Fetching the feeds")
        html = _run(lambda: service.update_feeds(progress=lambda m, f: progress(f, desc=m)), service, feeds=True)
        return (html,) + refresh()

    return on_update_feeds


def _run(job, service: Service, *, feeds: bool = False) -> str:
    try:
        report = job()
    except QAError as exc:
        return H.notice_html(str(exc), "error")
    except Exception as exc:  # a bug: say so plainly, keep the details in the terminal
        traceback.print_exc()
        return H.notice_html(
            f"Adding from the web failed ({type(exc).__name__}); details are in the terminal.", "error"
        )
    if feeds and not report.feeds and not report.problems:
        return H.notice_html("No feeds yet: paste a feed's address above and press Add by link.", "info")
    return web_report_html(report, len(service.documents()))


def web_report_html(report, total: int) -> str:
    """What a fetch did: the articles added, the feeds read, what was there already, each failure."""
    parts = []
    if report.added:
        items = "".join(f"<li>{_article_html(s)}</li>" for s in report.added[:_SHOWN])
        more = f"<li>and {len(report.added) - _SHOWN} more</li>" if len(report.added) > _SHOWN else ""
        parts.append(
            f'<div class="qa-notice qa-notice-ok" role="status">Added {_count(len(report.added), "article", "articles")}; '
            f"ask about {'it' if len(report.added) == 1 else 'them'} now ({total} documents in the index). Kept in the "
            f"corpus folder under web/, so rebuilding the index keeps {'it' if len(report.added) == 1 else 'them'}."
            f"<ul>{items}{more}</ul></div>"
        )
    for feed in report.feeds:
        name = H.esc(feed.title or feed.url)
        parts.append(
            f'<div class="qa-notice qa-notice-info" role="status">Feed {name}: {feed.new} new, '
            f"{feed.known} already in the corpus ({feed.listed} listed).</div>"
        )
    if report.already:
        listed = "; ".join(f"{H.esc(url)} ({H.esc(path)})" for url, path in report.already[:_SHOWN])
        parts.append(f'<div class="qa-notice qa-notice-info" role="status">Already in the corpus: {listed}.</div>')
    if report.problems:
        items = "".join(f"<li>{H.esc(p)}</li>" for p in report.problems)
        parts.append(
            f'<div class="qa-notice qa-notice-warn" role="alert">Skipped '
            f"{_count(len(report.problems), 'address', 'addresses')}:<ul>{items}</ul></div>"
        )
    return "".join(parts) or H.notice_html("Nothing new to add.", "info")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _article_html(saved) -> str:
    said = ", ".join(filter(None, (saved.outlet or "outlet unknown", saved.date or "undated")))
    title = f"“{H.esc(saved.title)}”" if saved.title else H.esc(saved.path)
    url = safe_url(saved.url)
    link = f' <a href="{H.attr(url)}" target="_blank" rel="noopener noreferrer">{H.esc(url)}</a>' if url else ""
    return f"{title} ({H.esc(said)}){link}"
