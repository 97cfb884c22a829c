"""The `qa` command line: thin wrappers that turn typed errors into one-line messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import RETRIEVAL_MODES, Config
from .errors import QAError


class QAGroup(click.Group):
    """Reports library errors as `Error: …` lines with exit code 1, never as tracebacks."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except QAError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted; any index being built was left as it was.", err=True)
            sys.exit(130)


@click.group(cls=QAGroup)
@click.version_option(package_name="qa-assistant")
def cli():
    """Answer questions from a folder of articles with exact, cited quotes."""


index_dir_option = click.option(
    "--index-dir", type=click.Path(file_okay=False), default=None, help="Index directory [default: index, or $QA_INDEX_DIR]."
)


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@index_dir_option
@click.option("--model", default=None, help="Sentence-transformers model name or local path.")
@click.option("--chunk-tokens", type=int, default=None, help="Token budget of a chunk (at most 256).")
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of reusing unchanged chunks.")
def index_cmd(paths, index_dir, model, chunk_tokens, rebuild):
    """Build the index from PATHS (files or folders; default: corpus/)."""
    from .index import build_index, ensure_index
    from .ingest import load_corpus

    config = Config.from_env(index_dir=index_dir, model=model, chunk_tokens=chunk_tokens)
    paths = paths or (config.corpus_dir,)
    result = load_corpus(paths)
    for problem in result.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"Indexing {len(result.documents)} documents into {config.index_dir}/ …", err=True)
    if rebuild:
        idx = build_index(result.documents, config.index_dir, config, show_progress_bar=True)
    else:
        idx = ensure_index(result.documents, config.index_dir, config, show_progress_bar=True)
    s = idx.stats()
    click.echo(
        f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']} into {config.index_dir}/"
        + (f"; {len(result.problems)} file(s) skipped (listed above)" if result.problems else "")
    )


def format_answer(answer) -> str:
    """The plain-text rendering of an answer and its numbered quotes."""
    lines = [answer.answer, ""]
    if answer.short_answer:
        lines.insert(0, f"Short answer: {answer.short_answer}")
    for q in answer.quotes:
        cite = ", ".join(x for x in (q.source, q.title, q.date) if x)
        lines.append(f"[{q.n}] “{q.text}”")
        lines.append(f"    — {cite} ({q.doc_id}, characters {q.start}–{q.end})")
        for other in q.also_in:
            lines.append(f"    also in: {other['source'] or other['title']} ({other['doc_id']})")
    return "\n".join(lines).rstrip()


@cli.command("ask")
@click.argument("question")
@click.option("-k", "--quotes", "k", type=int, default=None, help="Number of quotes [default: 5].")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer record as JSON.")
@click.option("--retrieval", type=click.Choice(RETRIEVAL_MODES), default=None, help="Retrieval mode [default: hybrid].")
@click.option("--source", "sources", multiple=True, help="Only quote this outlet (repeatable).")
@index_dir_option
def ask_cmd(question, k, as_json, retrieval, sources, index_dir):
    """Answer QUESTION with numbered quotes from the indexed articles."""
    from .assistant import Assistant

    if k is not None and k < 1:
        raise click.BadParameter("must be at least 1", param_hint="-k")
    config = Config.from_env(index_dir=index_dir, retrieval=retrieval)
    assistant = Assistant.load(config.index_dir, config)
    answer = assistant.ask(question, k, sources=list(sources) or None)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_answer(answer))


def main():
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
