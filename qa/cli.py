"""The `qa` command line: thin wrappers that turn typed errors into one-line messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .config import RETRIEVAL_MODES, Config
from .errors import QAError
from .eval.configs import CONFIGS as _EVAL_CONFIGS  # light: no model or index imports


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
    from .api import Assistant, load_documents

    config = Config.from_env(index_dir=index_dir, model=model, chunk_tokens=chunk_tokens)
    paths = paths or (config.corpus_dir,)
    result = load_documents(paths)
    for problem in result.problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(f"Indexing {len(result.documents)} documents into {config.index_dir}/ …", err=True)
    assistant = Assistant.build(result.documents, config.index_dir, config, rebuild=rebuild, show_progress_bar=True)
    s = assistant.stats()
    _report_removed(assistant.removed)
    click.echo(f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']} into {config.index_dir}/")
    # the summary says why, grouped, so a folder with a thousand odd files reads in one line
    why = ", ".join(f"{n} {kind}" for kind, n in result.reasons())
    skipped = f"Skipped {len(result.problems)} file(s) or line(s), listed above: {why}" if why else "Skipped none"
    click.echo(f"{skipped}; {result.skipped_hidden} hidden file(s) or folder(s) not read")


def _report_removed(removed: list[str]) -> None:
    """A rebuild never drops a document silently: list the ids the previous index had and this one lacks."""
    if removed:
        click.echo(f"removed from the index: {', '.join(removed)} (not among the documents just indexed)")


@cli.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_dir_option
def remove_cmd(ids, index_dir):
    """Remove documents with these IDS from the index (nothing is embedded again).

    An id is the document's path relative to the corpus folder (the doc_id of `qa ask --json`); a
    digest file's id removes all of its articles. The files stay where they are: if they are still in
    corpus/, the next `qa index` adds them back, so move or delete them to keep them out.
    """
    from .api import Assistant
    from .errors import EmptyCorpusError

    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    wanted, missing = _document_ids(assistant.documents, ids)
    if not wanted:
        raise click.ClickException(
            f"not in the index at {config.index_dir}: {', '.join(missing)}; nothing was removed "
            "(an id is a path relative to the corpus folder, the doc_id `qa ask --json` prints)"
        )
    try:
        removed = assistant.remove(wanted)
    except EmptyCorpusError:
        raise click.ClickException(
            f"removing {', '.join(wanted)} would leave the index at {config.index_dir} empty; nothing was removed"
        ) from None
    click.echo(f"Removed {len(removed)} document(s) from {config.index_dir}/: {', '.join(removed)}")
    if missing:
        click.echo(f"not found in the index: {', '.join(missing)}", err=True)
    click.echo("Their files were not touched: `qa index` adds them back while they are in the indexed folder.")


def _document_ids(documents: dict, ids) -> tuple[list[str], list[str]]:
    """The document ids IDS name (a digest file's id names its articles), and the ids that name none."""
    wanted, missing = {}, []
    for i in dict.fromkeys(ids):
        found = [i] if i in documents else [d.id for d in documents.values() if d.file_id == i]
        if found:
            wanted.update(dict.fromkeys(found))
        else:
            missing.append(i)
    return list(wanted), missing


def format_answer(answer, documents=None) -> str:
    """The plain-text rendering of an answer and its numbered quotes, cited as the app cites them."""
    from .render import format_answer_text

    return format_answer_text(answer, documents)


@cli.command("ask")
@click.argument("question")
@click.option("-k", "--quotes", "k", type=int, default=None, help="Number of quotes [default: 5].")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer record as JSON.")
@click.option("--retrieval", type=click.Choice(RETRIEVAL_MODES), default=None, help="Retrieval mode [default: hybrid].")
@click.option("--source", "sources", multiple=True, help="Only quote this outlet (repeatable).")
@index_dir_option
def ask_cmd(question, k, as_json, retrieval, sources, index_dir):
    """Answer QUESTION with numbered quotes from the indexed articles."""
    from .api import Assistant

    config = Config.from_env(index_dir=index_dir, retrieval=retrieval)
    assistant = Assistant.load(config.index_dir, config)
    answer = assistant.ask(question, k, sources=list(sources) or None)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_answer(answer, assistant.documents))


@cli.command("chat")
@click.option("-k", "--quotes", "k", type=int, default=None, help="Number of quotes [default: 5].")
@click.option("--json", "as_json", is_flag=True, help="Print each Answer record as one line of JSON.")
@index_dir_option
def chat_cmd(k, as_json, index_dir):
    """Ask questions one after another; follow-ups ("When was that?") build on the answers before.

    Reads one question a line from standard input (a terminal or a pipe). /new starts a new
    conversation, /quit (or end of input) stops.
    """
    from .api import Assistant
    from .records import Turn

    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    stdin = sys.stdin
    interactive = stdin.isatty()
    if interactive:
        click.echo("Ask a question about the articles. /new starts over, /quit stops.")
    history: list[Turn] = []
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = stdin.readline()
        if not line:
            break
        question = line.strip()
        if not question:
            continue
        if question in ("/quit", "/exit"):
            break
        if question == "/new":
            history = []
            click.echo("New conversation.")
            continue
        try:
            answer = assistant.ask(question, k, history=history)
        except QAError as exc:  # a bad question is one line, and the conversation goes on
            click.echo(f"Error: {exc}", err=True)
            continue
        history.append(Turn(question, answer))
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
            continue
        if answer.resolved_question != answer.question:
            click.echo(f"Answering: {answer.resolved_question}")
        click.echo(format_answer(answer, assistant.documents))
        click.echo("")


@cli.command("serve")
@click.option("--host", default=None, help="Address to bind [default: 127.0.0.1]; 0.0.0.0 exposes the app to your network.")
@click.option("--port", type=int, default=None, help="Port [default: 7860].")
@index_dir_option
@click.option(
    "--password", default=None,
    help="Require this password at login: any user name, one shared password; or set QA_PASSWORD. "
    "After 5 wrong passwords from one address, its logins pause for 30 seconds, doubling up to 15 minutes.",
)
def serve_cmd(host, port, index_dir, password):
    """Serve the browser app; builds the index from corpus/ on first run."""
    from .web import serve

    serve(Config.from_env(host=host, port=port, index_dir=index_dir, password=password))






@cli.command("eval")
@click.argument("questions", type=click.Path(exists=True))
@click.option(
    "--corpus", type=click.Path(exists=True), default=None,
    help="Corpus file or folder; its index is built or reused in $QA_CACHE_DIR (default ~/.cache/qa).",
)
@index_dir_option
@click.option(
    "--config", "configs", multiple=True, metavar="NAME",
    help=f"Configuration to run, repeatable or comma-separated: {', '.join(_EVAL_CONFIGS)} [default: hybrid].",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most N questions, spread evenly over the set.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write report.json, report.md and chart.png here.")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate metrics as one JSON object.")
def eval_cmd(questions, corpus, index_dir, configs, limit, out, as_json):
    """Score QUESTIONS (JSON Lines, SQuAD .json, or a BEIR folder) and compare configurations side by side."""
    from .errors import FidelityError
    from .eval import configured, dumps_summary, evaluate, format_table, prepare, resolve_configs, write_report

    names = resolve_configs(configs)  # an unknown name fails before any loading
    config = Config.from_env(index_dir=index_dir)
    inputs = prepare(questions, corpus=corpus, index_dir=index_dir, config=config, limit=limit)
    for problem in inputs.problems:
        click.echo(f"skipped {problem}", err=True)
    report = evaluate(inputs.qset, configured(inputs.assistant, names), inputs.documents, index=inputs.index_info)
    click.echo(dumps_summary(report) if as_json else format_table(report))
    if out:
        paths = write_report(report, out)
        click.echo(f"Wrote {', '.join(str(p) for p in paths.values())}", err=True)
    if report.fidelity:
        raise FidelityError(
            f"quote fidelity below 1.0: {len(report.fidelity)} quote(s) do not match their documents"
            + (f" (listed in {out}/report.md)" if out else " (listed above)")
        )


def main():
    cli(prog_name="qa")


if __name__ == "__main__":
    main()
