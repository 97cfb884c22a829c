"""The browser app (Gradio). All document text is escaped before it reaches the page."""

from __future__ import annotations

import html
import sys
from pathlib import Path

from .config import Config
from .errors import IndexMissingError, QAError


def render_answer(answer) -> str:
    """The answer and its numbered quotes as escaped HTML."""
    if answer.abstained:
        return f'<div class="qa-abstain">{html.escape(answer.answer)}</div>'
    parts = [f'<div class="qa-answer">{html.escape(answer.answer)}</div>', '<ol class="qa-quotes">']
    for q in answer.quotes:
        cite = " · ".join(html.escape(x) for x in (q.source, q.title, q.date) if x)
        parts.append(
            f'<li class="qa-quote" data-n="{q.n}"><blockquote>“{html.escape(q.text)}”</blockquote>'
            f'<div class="qa-cite">[{q.n}] {cite} <code>{html.escape(q.doc_id)}</code></div></li>'
        )
    parts.append("</ol>")
    return "\n".join(parts)


def render_source(doc, start: int, end: int) -> str:
    """The whole document with text[start:end] marked, escaped."""
    text = doc.text
    return (
        f'<h3>{html.escape(doc.title)}</h3><div class="qa-source" style="white-space:pre-wrap">'
        f"{html.escape(text[:start])}<mark id=\"qa-hit\">{html.escape(text[start:end])}</mark>{html.escape(text[end:])}</div>"
    )


def ensure_assistant(config: Config):
    """Open the index, building it from the corpus on first run."""
    from .assistant import Assistant

    try:
        return Assistant.load(config.index_dir, config)
    except IndexMissingError:
        corpus = Path(config.corpus_dir)
        if not corpus.is_dir() or not any(corpus.iterdir()):
            raise
        print(f"No index at {config.index_dir}/: building it from {corpus}/ (first run) …", file=sys.stderr)
        assistant, problems = Assistant.from_corpus([corpus], config.index_dir, config, show_progress_bar=True)
        for p in problems:
            print(f"skipped {p}", file=sys.stderr)
        return assistant


def build_app(config: Config):
    import gradio as gr

    assistant = ensure_assistant(config)
    stats = assistant.stats()

    def ask(question, k):
        try:
            answer = assistant.ask(question, int(k))
        except QAError as exc:
            return f'<div class="qa-error">{html.escape(str(exc))}</div>', gr.update(choices=[], value=None), {}
        choices = [f"[{q.n}] {q.text[:80]}" for q in answer.quotes]
        return render_answer(answer), gr.update(choices=choices, value=None), answer.to_dict()

    def show(choice, answer):
        if not choice or not answer:
            return ""
        n = int(choice[1 : choice.index("]")])
        q = answer["quotes"][n - 1]
        return render_source(assistant.index.documents[q["doc_id"]], q["start"], q["end"])

    with gr.Blocks(title="qa — answers from your articles") as demo:
        gr.Markdown(f"**{stats['documents']} documents · {stats['chunks']} chunks · {stats['model']}**")
        with gr.Row():
            with gr.Column(scale=3):
                question = gr.Textbox(label="Question", placeholder="Ask about the articles…")
                k = gr.Slider(1, 10, value=config.quotes, step=1, label="Quotes")
                go = gr.Button("Ask", variant="primary")
                answer_html = gr.HTML()
                pick = gr.Radio(label="Show a quote in its article", choices=[])
            with gr.Column(scale=2):
                source = gr.HTML()
        state = gr.State({})
        go.click(ask, [question, k], [answer_html, pick, state], api_name="ask")
        question.submit(ask, [question, k], [answer_html, pick, state], api_name=False)
        pick.change(show, [pick, state], source, api_name=False)
    return demo


def launch(config: Config) -> None:
    demo = build_app(config)
    auth = ("qa", config.password) if config.password else None
    demo.launch(server_name=config.host, server_port=config.port, auth=auth, max_file_size=f"{config.max_upload_mb}mb")
