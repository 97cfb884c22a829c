"""The `qa` command line: thin wrappers that turn typed errors into one-line messages."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
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
    "--index-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Index directory [default: index, or $QA_INDEX_DIR].",
)

store_option = click.option(
    "--store",
    default=None,
    metavar="faiss|milvus:URI",
    help="Where the index lives [default: faiss, the --index-dir folder, or $QA_STORE]; milvus:./milvus.db is "
    "Milvus Lite, milvus:http://host:19530 a Milvus server.",
)


def cite_options(f):
    """--cite STYLE and --accessed DATE: citations in a writer's style (qa/cite.py)."""
    f = click.option(
        "--accessed",
        default=None,
        metavar="YYYY-MM-DD",
        help="The day you read the articles: web pages without a date are cited with it (Chicago, "
        "MLA, APA's retrieval date) and CSL-JSON/BibTeX record it.",
    )(f)
    return click.option(
        "--cite",
        "cite_style",
        type=click.Choice(["chicago", "apa", "mla"]),
        default=None,
        help="Cite sources in this style instead of qa's own (outlet, title, date, file).",
    )(f)


def _style(cite_style, accessed):
    from .cite import Style, check_accessed

    accessed = check_accessed(accessed)
    return Style(cite_style, accessed) if cite_style else None


def _export(items, documents, fmt: str, accessed) -> str:
    from .cite import check_accessed
    from .render import sources_export

    return sources_export(items, documents, fmt, accessed=check_accessed(accessed)).rstrip("\n")


EXPORT_FORMATS = ("csl-json", "bibtex")


def _where(config: Config) -> str:
    return config.store if config.store != "faiss" else f"{config.index_dir}/"


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@index_dir_option
@click.option("--model", default=None, help="Sentence-transformers model name or local path.")
@click.option("--chunk-tokens", type=int, default=None, help="Token budget of a chunk (at most 256).")
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of reusing unchanged chunks.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes the build runs on [default: this machine's cores]; 1 builds in one process.",
)
@store_option
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="auto|ADDRESS",
    help="Read, chunk and embed on a Ray cluster (auto: the running one, else a local one); "
    'needs pip install "qa-assistant[ray]". Embeds everything again.',
)
@click.option(
    "--replace",
    "replace",
    multiple=True,
    metavar="ID",
    help="When two places claim document id ID, let the later one (e.g. a JSONL line) replace the "
    "first holder instead of being skipped (repeatable). Without it, a second claim never replaces.",
)
def index_cmd(paths, index_dir, model, chunk_tokens, rebuild, workers, store, ray_address, replace):
    """Build the index from PATHS (files or folders; default: corpus/)."""
    from .api import Assistant, load_documents

    config = Config.from_env(index_dir=index_dir, model=model, chunk_tokens=chunk_tokens, store=store, workers=workers)
    paths = paths or (config.corpus_dir,)
    if ray_address and replace:
        raise click.UsageError("--replace works with a local build only; leave out --ray")
    # one display: in a terminal a bar (stage, documents done of the total, time left) redrawn on one
    # line; a log or pipe gets that as plain lines, a few per stage (a redrawn bar is noise there)
    with _progress_display() as progress:
        if ray_address:
            click.echo(
                f"Indexing {', '.join(map(str, paths))} on Ray ({ray_address}) into {_where(config)} …", err=True
            )
            assistant, result = Assistant.from_corpus_on_ray(
                paths,
                config.index_dir,
                config,
                address=ray_address,
                progress=progress,
                warm=False,
            )
            for problem in result.problems:
                click.echo(f"skipped {problem}", err=True)
        else:
            result = load_documents(paths, replace=replace)
            for problem in result.problems:
                click.echo(f"skipped {problem}", err=True)
            click.echo(f"Indexing {len(result.documents)} documents into {_where(config)} …", err=True)
            assistant = Assistant.build(
                result.documents,
                config.index_dir,
                config,
                rebuild=rebuild,
                progress=progress,
                show_progress_bar=False,
                warm=False,
            )
    s = assistant.stats()
    _report_removed(assistant.removed)
    click.echo(
        f"Indexed {s['documents']} documents, {s['chunks']} chunks with {s['model']} "
        f"({assistant.config.embedder}) into {_where(config)}"
    )
    note = assistant.embedder_note()
    if note:
        click.echo(note)
    _report_quotations(assistant)
    # the summary says why, grouped, so a folder with a thousand odd files reads in one line
    why = ", ".join(f"{n} {kind}" for kind, n in result.reasons())
    skipped = f"Skipped {len(result.problems)} file(s) or line(s), listed above: {why}" if why else "Skipped none"
    click.echo(f"{skipped}; {result.skipped_hidden} hidden file(s) or folder(s) not read")


def _stage_line(message: str, fraction: float) -> None:
    click.echo(f"[{fraction:4.0%}] {message}", err=True)


@contextmanager
def _progress_display():
    """The progress callback of a build: a tqdm bar on stderr when it is a terminal, else
    `[ 45%] message` lines, thinned out (qa.progress.throttled)."""
    from .progress import throttled

    if not sys.stderr.isatty():
        yield throttled(_stage_line)
        return
    from tqdm import tqdm

    bars = []  # made on the first call: lines echoed before it (skipped files) stay above the bar

    def show(message: str, fraction: float) -> None:
        if not bars:
            bars.append(
                tqdm(
                    total=100,
                    desc=message,
                    file=sys.stderr,
                    dynamic_ncols=True,
                    bar_format="{desc} |{bar}| {percentage:3.0f}%",
                )
            )
        bars[0].set_description_str(message, refresh=False)
        bars[0].n = round(100 * min(max(fraction, 0.0), 1.0), 1)
        bars[0].refresh()

    try:
        yield show
    finally:
        for bar in bars:
            bar.close()


def _report_quotations(assistant) -> None:
    """How many quotations the build found; a document whose extraction failed is named, one line each
    (unpaired quotation marks are only counted: a scraped corpus has many)."""
    from .api import SPEAKER_FAILED

    found, problems = assistant.quotation_summary()
    failed = [p for p in problems if "quotations not extracted" in p or SPEAKER_FAILED in p]
    for line in failed:
        click.echo(f"skipped {line}", err=True)
    marks = len(problems) - len(failed)
    click.echo(f"Found {found} quotation(s) of speech; {marks} quotation mark(s) paired with nothing were skipped")


def _report_removed(removed: list[str]) -> None:
    """A rebuild never drops a document silently: list the ids the previous index had and this one lacks."""
    if removed:
        click.echo(f"removed from the index: {', '.join(removed)} (not among the documents just indexed)")


corpus_dir_option = click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Corpus folder the articles are saved in, under web/ [default: corpus, or $QA_CORPUS_DIR].",
)
allow_private_option = click.option(
    "--allow-private",
    is_flag=True,
    default=None,
    help="Also fetch addresses of this machine or its local network (or set QA_ALLOW_PRIVATE_URLS=1).",
)


@cli.command("add")
@click.argument("urls", nargs=-1, required=True)
@index_dir_option
@corpus_dir_option
@allow_private_option
@store_option
def add_cmd(urls, index_dir, corpus_dir, allow_private, store):
    """Add the articles at URLS to the corpus and the index: article pages, or RSS/Atom feeds whose
    articles are all added (`qa update` then fetches their new ones).

    Each article is saved as corpus/web/<site>/<slug>.md with its title, outlet, author, date and
    canonical URL, so its quotes cite them and the next `qa index` keeps it. An article already
    saved (by any of its addresses) is not fetched again. An address that fails is one line, and
    the others go on.
    """
    from .api import fetch_articles

    config = Config.from_env(index_dir=index_dir, corpus_dir=corpus_dir, allow_private_urls=allow_private, store=store)
    report = fetch_articles(urls, config, progress=_stage_line)
    _index_fetched(report, config)


@cli.command("update")
@click.option("--list", "as_list", is_flag=True, help="List the feeds followed, and fetch nothing.")
@index_dir_option
@corpus_dir_option
@allow_private_option
@store_option
def update_cmd(as_list, index_dir, corpus_dir, allow_private, store):
    """Fetch and index the new articles of every feed added with `qa add FEED_URL`."""
    from .api import fetch_feed_updates, followed_feeds

    config = Config.from_env(index_dir=index_dir, corpus_dir=corpus_dir, allow_private_urls=allow_private, store=store)
    feeds = followed_feeds(config.corpus_dir)
    if not feeds:
        click.echo(f"No feeds in {config.corpus_dir}/ yet: add one with `qa add FEED_URL`.")
        return
    if as_list:
        for feed in feeds:
            checked = feed.get("checked_at") or "never"
            click.echo(
                f"{feed['url']}  {feed.get('title') or ''} ({len(feed.get('items', {}))} article(s); checked {checked})"
            )
        return
    report = fetch_feed_updates(config, progress=_stage_line)
    _index_fetched(report, config)


def _index_fetched(report, config: Config) -> None:
    """Print what a fetch did, one line per article, feed and failed address; index the articles."""
    from .api import Assistant, load_documents
    from .errors import IndexMissingError

    for problem in report.problems:
        click.echo(f"skipped {problem}", err=True)
    for saved in report.added:
        said = ", ".join(filter(None, (saved.outlet or "outlet unknown", saved.date or "undated")))
        click.echo(f"added {saved.path}: “{saved.title}” ({said}) {saved.url}")
    for url, path in report.already:
        click.echo(f"already in the corpus: {url} is {path}")
    for feed in report.feeds:
        click.echo(
            f"feed {feed.title or feed.url}: {feed.new} new article(s), {feed.known} already in the corpus "
            f"({feed.listed} listed; {feed.url})"
        )
    where = _where(config)
    if report.documents:
        try:
            assistant = Assistant.load(config.index_dir, config, warm=False)
        except IndexMissingError:
            click.echo(f"No index at {where} yet: building it from {config.corpus_dir}/ …", err=True)
            result = load_documents([config.corpus_dir])
            for problem in result.problems:
                click.echo(f"skipped {problem}", err=True)
            assistant = Assistant.build(result.documents, config.index_dir, config, progress=_stage_line, warm=False)
        else:
            new = assistant.not_indexed(report.documents)
            if new:
                assistant.add(new, progress=_stage_line)
        click.echo(
            f"Added {len(report.added)} article(s) to {config.corpus_dir}/web/; "
            f"{assistant.stats()['documents']} documents in the index at {where}"
        )
    failed = len(report.problems)
    if failed and not (report.documents or report.feeds):
        raise click.ClickException(f"nothing was added: {failed} address(es) failed, each listed above")
    if failed:
        click.echo(f"{failed} address(es) could not be added, each listed above with the reason", err=True)


@cli.command("remove")
@click.argument("ids", nargs=-1, required=True)
@index_dir_option
@store_option
def remove_cmd(ids, index_dir, store):
    """Remove documents with these IDS from the index (nothing is embedded again).

    An id is the document's path relative to the corpus folder (the doc_id of `qa ask --json`); a
    digest file's id removes all of its articles. The files stay where they are: if they are still in
    corpus/, the next `qa index` adds them back, so move or delete them to keep them out.
    """
    from .api import Assistant
    from .errors import EmptyCorpusError

    config = Config.from_env(index_dir=index_dir, store=store)
    where = _where(config).rstrip("/")
    assistant = Assistant.load(config.index_dir, config)
    wanted, missing = _document_ids(assistant.documents, ids)
    if not wanted:
        raise click.ClickException(
            f"not in the index at {where}: {', '.join(missing)}; nothing was removed "
            "(an id is a path relative to the corpus folder, the doc_id `qa ask --json` prints)"
        )
    try:
        removed = assistant.remove(wanted)
    except EmptyCorpusError:
        raise click.ClickException(
            f"removing {', '.join(wanted)} would leave the index at {where} empty; nothing was removed"
        ) from None
    click.echo(f"Removed {len(removed)} document(s) from {_where(config)}: {', '.join(removed)}")
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


def format_answer(answer, documents=None, style=None) -> str:
    """The plain-text rendering of an answer and its numbered quotes, cited as the app cites them."""
    from .render import format_answer_text

    return format_answer_text(answer, documents, style)


ASK_FORMATS = ("text", "md") + EXPORT_FORMATS


@cli.command("ask")
@click.argument("question")
@click.option("-k", "--quotes", "k", type=int, default=None, help="Number of quotes [default: 5].")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer record as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(ASK_FORMATS),
    default="text",
    help="text, md (the answer and its sources in Markdown), or the sources behind it as csl-json or bibtex.",
)
@click.option("--retrieval", type=click.Choice(RETRIEVAL_MODES), default=None, help="Retrieval mode [default: hybrid].")
@click.option("--source", "sources", multiple=True, help="Only quote this outlet (repeatable).")
@click.option(
    "--asked-on",
    default=None,
    metavar="YYYY-MM-DD",
    help="The day the question is asked [default: today]: a question about the present "
    "('this week', 'recently', 'now') also searches the articles of the days before it.",
)
@cite_options
@index_dir_option
@store_option
def ask_cmd(question, k, as_json, fmt, retrieval, sources, asked_on, cite_style, accessed, index_dir, store):
    """Answer QUESTION with numbered quotes from the indexed articles."""
    from .api import Assistant, today
    from .render import answer_markdown

    style = _style(cite_style, accessed)  # a bad date is refused before the index is loaded
    config = Config.from_env(index_dir=index_dir, retrieval=retrieval, store=store)
    assistant = Assistant.load(config.index_dir, config)
    answer = assistant.ask(question, k, sources=list(sources) or None, asked_on=asked_on or today())
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    elif fmt in EXPORT_FORMATS:
        click.echo(_export(answer.quotes, assistant.documents, fmt, accessed))
    elif fmt == "md":
        click.echo(answer_markdown(answer, assistant.documents, style).rstrip("\n"))
    else:
        click.echo(format_answer(answer, assistant.documents, style))


SUPPORT_FORMATS = ("text", "md", "json") + EXPORT_FORMATS


@cli.command("support")
@click.argument("draft", metavar="FILE|-")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SUPPORT_FORMATS),
    default="text",
    help="Output format [default: text]; csl-json or bibtex: the sources found, for a reference manager.",
)
@click.option(
    "-k", "--quotes", "k", type=int, default=None, help="Quotes per supported sentence, at most [default: 2]."
)
@cite_options
@index_dir_option
def support_cmd(draft, fmt, k, cite_style, accessed, index_dir):
    """Find sources for a draft: each sentence of FILE (or - for standard input) gets [n] markers
    and numbered quotes from the indexed articles, or is listed as having no support in them."""
    from .api import Assistant, check_draft
    from .render import format_support_text, support_markdown

    text = check_draft(_read_draft(draft))  # a bad draft is refused before the index is loaded
    style = _style(cite_style, accessed)
    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    result = assistant.support(text, k)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif fmt in EXPORT_FORMATS:
        click.echo(_export(result.sources, assistant.documents, fmt, accessed))
    elif fmt == "md":
        click.echo(support_markdown(result, assistant.documents, style))
    else:
        click.echo(format_support_text(result, assistant.documents, style))


def _read_draft(path: str) -> str:
    """The draft's text from a file or standard input (`-`); InputFileError naming it otherwise."""
    from .drafts import MAX_DRAFT_CHARS

    name = "standard input" if path == "-" else path
    # read a little past the limit only: the length check then says "too long" without reading a huge file
    limit = MAX_DRAFT_CHARS * 4 + 4
    if path == "-":
        with click.open_file("-", "rb") as f:
            data = f.read(limit)
    else:
        data = _read_regular(path, "draft", limit)
    if len(data) >= limit:  # it is too long in any case (and may be cut inside a character)
        return data.decode("utf-8", "ignore")
    from .api import decode_text

    return decode_text(data, name)  # UTF-8, UTF-16 with a byte order mark, or a clear legacy encoding


def _read_regular(path: str, what: str, limit: int) -> bytes:
    """At most `limit` bytes of regular file `path`; InputFileError naming it otherwise. A FIFO, socket
    or device is refused before it is opened: opening a FIFO with no writer waits forever."""
    import os
    import stat

    from .errors import InputFileError

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a FIFO, socket or device)"
            raise InputFileError(path, f"is {kind}; give a text file with the {what}")
        # O_NONBLOCK: were it swapped for a FIFO since the check, opening it still does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise InputFileError(path, f"is not a regular file; give a text file with the {what}")
            return f.read(limit)
    except FileNotFoundError:
        hint = ", or - to read standard input" if what == "draft" else ""
        raise InputFileError(path, f"no such file; give a text file with the {what}{hint}") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror}); check its permissions") from None


@cli.command("chat")
@click.option("-k", "--quotes", "k", type=int, default=None, help="Number of quotes [default: 5].")
@click.option("--json", "as_json", is_flag=True, help="Print each Answer record as one line of JSON.")
@index_dir_option
def chat_cmd(k, as_json, index_dir):
    """Ask questions one after another; follow-ups ("When was that?") build on the answers before.

    Reads one question a line from standard input (a terminal or a pipe). /new starts a new
    conversation, /quit (or end of input) stops.
    """
    from .api import Assistant, today
    from .records import Turn

    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    stdin = sys.stdin
    interactive = stdin.isatty()
    # bytes that are not UTF-8 become lone surrogates, which the API refuses with one line per question
    # (a strict decode would end the whole conversation in a traceback)
    raw = getattr(stdin, "buffer", None)
    if interactive:
        click.echo("Ask a question about the articles. /new starts over, /quit stops.")
    history: list[Turn] = []
    while True:
        if interactive:
            click.echo("> ", nl=False)
        line = raw.readline().decode("utf-8", "surrogateescape") if raw is not None else stdin.readline()
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
            answer = assistant.ask(question, k, history=history, asked_on=today())
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
@click.option(
    "--host", default=None, help="Address to bind [default: 127.0.0.1]; 0.0.0.0 exposes the app to your network."
)
@click.option("--port", type=int, default=None, help="Port [default: 7860].")
@index_dir_option
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Require the password in this file (its first line) at login: any user name, one shared password. "
    "Or set QA_PASSWORD, or use --ask-password. After 5 wrong passwords from one address its logins pause "
    "for 30 seconds, doubling up to 15 minutes; after 20 wrong ones within a minute from all addresses, "
    "every login pauses for up to a minute.",
)
@click.option("--ask-password", is_flag=True, help="Type the login password at a prompt (not echoed).")
@click.option(
    "--password",
    default=None,
    metavar="PW",
    help="The login password on the command line: visible to every user of this machine in `ps`. "
    "Deprecated: use QA_PASSWORD, --password-file or --ask-password.",
)
@click.option(
    "--forwarded-allow-ips",
    "trusted_proxies",
    default=None,
    metavar="IPS",
    help="Believe the client address in X-Forwarded-For only from these peers (comma-separated addresses or "
    "networks, * for any): your reverse proxy [default: none, or $QA_TRUSTED_PROXIES]. Without it every "
    "login is counted against the address that connects.",
)
@store_option
def serve_cmd(host, port, index_dir, password_file, ask_password, password, trusted_proxies, store):
    """Serve the browser app; builds the index from corpus/ on first run.

    The login password comes from QA_PASSWORD, --password-file or --ask-password (no password: no login)."""
    from .web import serve

    password = _serve_password(password, password_file, ask_password)
    serve(
        Config.from_env(
            host=host, port=port, index_dir=index_dir, password=password, store=store, trusted_proxies=trusted_proxies
        )
    )


# a password file is read up to this many bytes: a password, not a document
_MAX_PASSWORD_FILE = 4096


def _serve_password(password: str | None, path: str | None, ask: bool) -> str | None:
    """The password of `qa serve` from at most one of its sources (None: QA_PASSWORD or none)."""
    given = [
        name for name, value in (("--password", password), ("--password-file", path), ("--ask-password", ask)) if value
    ]
    if len(given) > 1:
        raise click.UsageError(f"give the password one way only, not {' and '.join(given)}")
    if password is not None:
        click.echo(
            "Warning: --password is visible to every user of this machine (ps, /proc); use QA_PASSWORD, "
            "--password-file or --ask-password.",
            err=True,
        )
        return password
    if ask:
        return click.prompt("Password for the app", hide_input=True, confirmation_prompt=True, err=True)
    if path is None:
        return None
    from .errors import InputFileError

    try:
        text = _read_regular(path, "password file", _MAX_PASSWORD_FILE).decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(path, "the password file is not UTF-8 text") from None
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise InputFileError(path, "the password file is empty; put the password on its first line")
    return first


@cli.command("quotes")
@click.argument("topic", required=False)
@click.option("--speaker", default=None, help="Only this speaker (any spelling: Pashinyan finds Pashinian).")
@click.option("--source", default=None, help="Only this outlet.")
@click.option("--since", default=None, help="Only articles dated on or after this day (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only articles dated on or before this day (YYYY-MM-DD).")
@click.option("-n", "n", type=int, default=10, help="Number of quotations [default: 10].")
@click.option("--json", "as_json", is_flag=True, help="Print the quotations as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md", "csv"] + list(EXPORT_FORMATS)),
    default="text",
    help="Output format [default: text]; csl-json or bibtex: the articles quoted, for a reference manager.",
)
@cite_options
@index_dir_option
def quotes_cmd(topic, speaker, source, since, until, n, as_json, fmt, cite_style, accessed, index_dir):
    """Direct quotations from the articles, best match for TOPIC first, with who said them."""
    from .api import Assistant
    from .render import quotations_csv, quotations_markdown, quotations_text

    style = _style(cite_style, accessed)
    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    found = assistant.quotes(topic, speaker=speaker, source=source, since=since, until=until, n=n)
    docs = assistant.documents
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
    elif not found:
        why = f" by {speaker!r}" if speaker else ""
        click.echo(f"No quotations{why} in these articles match; `qa speakers` lists who is quoted.")
    elif fmt in EXPORT_FORMATS:
        click.echo(_export(found, docs, fmt, accessed))
    elif fmt == "md":
        click.echo(quotations_markdown(found, style, docs).rstrip("\n"))
    elif fmt == "csv":
        click.echo(quotations_csv(found).rstrip("\n"))
    else:
        click.echo(quotations_text(found, docs, style))


TIMELINE_FORMATS = ("text", "md", "csv") + EXPORT_FORMATS


@cli.command("timeline")
@click.argument("topic", required=False)
@click.option("--since", default=None, help="Only events dated on or after this day (YYYY-MM-DD).")
@click.option("--until", default=None, help="Only events dated on or before this day (YYYY-MM-DD).")
@click.option("--source", default=None, help="Only this outlet's articles.")
@click.option("-n", "n", type=int, default=None, help="At most N entries [default: 50].")
@click.option("--json", "as_json", is_flag=True, help="Print the Timeline record as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(TIMELINE_FORMATS),
    default="text",
    help="Output format [default: text]; csl-json or bibtex: the articles behind the entries.",
)
@cite_options
@index_dir_option
def timeline_cmd(topic, since, until, source, n, as_json, fmt, cite_style, accessed, index_dir):
    """The dated events about TOPIC (all of them without one) in date order: each the exact sentence
    that reports it, its date as the sentence gives it, and the other articles that report it."""
    from .api import Assistant
    from .render import timeline_csv, timeline_markdown, timeline_text

    style = _style(cite_style, accessed)
    config = Config.from_env(index_dir=index_dir)
    assistant = Assistant.load(config.index_dir, config)
    timeline = assistant.timeline(topic, since=since, until=until, source=source, n=n)
    docs = assistant.documents
    if as_json:
        click.echo(json.dumps(timeline.to_dict(), ensure_ascii=False, indent=2))
    elif fmt in EXPORT_FORMATS:
        click.echo(_export(timeline.all, docs, fmt, accessed))
    else:
        render = {"text": timeline_text, "md": timeline_markdown, "csv": timeline_csv}[fmt]
        click.echo(render(timeline, docs, style).rstrip("\n"))


@cli.command("speakers")
@click.option("--json", "as_json", is_flag=True, help="Print the speakers as JSON.")
@index_dir_option
def speakers_cmd(as_json, index_dir):
    """Everyone quoted in the articles, with the spellings of their names and their quote counts."""
    from .api import Assistant

    config = Config.from_env(index_dir=index_dir)
    speakers = Assistant.load(config.index_dir, config).speakers()
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in speakers], ensure_ascii=False, indent=2))
        return
    for s in speakers:
        title = f", {'; '.join(s.titles)}" if s.titles else ""
        others = [v for v in s.variants if v != s.name]
        also = f" — also written {', '.join(others)}" if others else ""
        click.echo(f"{s.quotes:4d}  {s.name}{title} ({s.kind}, id {s.id}){also}")


@cli.command("eval")
@click.argument("questions", type=click.Path(exists=True))
@click.option(
    "--corpus",
    type=click.Path(exists=True),
    default=None,
    help="Corpus file or folder; its index is built or reused in $QA_CACHE_DIR (default ~/.cache/qa).",
)
@index_dir_option
@click.option(
    "--config",
    "configs",
    multiple=True,
    metavar="NAME",
    help=f"Configuration to run, repeatable or comma-separated: {', '.join(_EVAL_CONFIGS)} [default: hybrid].",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most N questions, spread evenly over the set."
)
@click.option(
    "--out", type=click.Path(file_okay=False), default=None, help="Write report.json, report.md and chart.png here."
)
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate metrics as one JSON object.")
@click.option(
    "--leave-source-out",
    is_flag=True,
    help="Also ask every answerable question with its own sources masked out of retrieval; "
    "the right reply is a refusal (abstain_recall), set against false_abstain_rate.",
)
@store_option
def eval_cmd(questions, corpus, index_dir, configs, limit, out, as_json, leave_source_out, store):
    """Score QUESTIONS (JSON Lines, SQuAD .json, or a BEIR folder) and compare configurations side by side.

    A quote set (JSON Lines of {"doc_id", "quote", "speaker"}) scores the quote finder instead."""
    from .errors import FidelityError
    from .eval.quotations import is_quote_set
    from .eval.timeline import is_timeline_set

    if is_quote_set(questions):
        return _eval_quotes(questions, corpus, as_json)
    if is_timeline_set(questions):
        return _eval_timeline(questions, corpus, index_dir, as_json, out)
    from .eval import configured, dumps_summary, evaluate, format_table, prepare, resolve_configs, write_report

    names = resolve_configs(configs)  # an unknown name fails before any loading
    config = Config.from_env(index_dir=index_dir, store=store)
    inputs = prepare(questions, corpus=corpus, index_dir=index_dir, config=config, limit=limit)
    for problem in inputs.problems:
        click.echo(f"skipped {problem}", err=True)
    report = evaluate(
        inputs.qset,
        configured(inputs.assistant, names),
        inputs.documents,
        index=inputs.index_info,
        leave_source_out=leave_source_out,
    )
    click.echo(dumps_summary(report) if as_json else format_table(report))
    if out:
        paths = write_report(report, out)
        click.echo(f"Wrote {', '.join(str(p) for p in paths.values())}", err=True)
    if report.fidelity:
        raise FidelityError(
            f"quote fidelity below 1.0: {len(report.fidelity)} quote(s) do not match their documents"
            + (f" (listed in {out}/report.md)" if out else " (listed above)")
        )


def _eval_quotes(questions, corpus, as_json) -> None:
    from .errors import FidelityError
    from .eval.quotations import evaluate_quote_set, format_quote_report

    results, problems = evaluate_quote_set(questions, [corpus] if corpus else None)
    for problem in problems:
        click.echo(f"note {problem}", err=True)
    click.echo(json.dumps(results, ensure_ascii=False, indent=2) if as_json else format_quote_report(results))
    ours = next(iter(results.values()))
    if ours["fidelity"] < 1.0:
        raise FidelityError("quotation fidelity below 1.0: a quotation or speaker mention does not match its document")


def _eval_timeline(questions, corpus, index_dir, as_json, out) -> None:
    from .errors import FidelityError
    from .eval.timeline import evaluate_timeline_set, format_timeline_report

    config = Config.from_env(index_dir=index_dir)
    result, problems = evaluate_timeline_set(
        questions, [corpus] if corpus else None, config=config, index_dir=index_dir
    )
    for problem in problems:
        click.echo(f"skipped {problem}", err=True)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_timeline_report(result))
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "timeline_report.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        click.echo(f"Wrote {Path(out) / 'timeline_report.json'}", err=True)
    if result["fidelity"] < 1.0:
        raise FidelityError("timeline fidelity below 1.0: an entry's text does not match its document")


def main():
    cli(prog_name="qa")


def run() -> None:
    """The `qa` command (pyproject's script, `python -m qa.cli`): `main`, then an exit that leaves
    tearing the interpreter down to the OS. Freeing spaCy's, onnxruntime's and numpy's objects one by
    one took ~0.4 s of every command, a fifth of a one-document re-index. What an exit must still do
    is done first: the atexit handlers run (logging's flush, multiprocessing's and temporary folders'
    clean-up) and stdout and stderr are flushed. A thread that Python would wait for (not a daemon)
    still running, or a Python without the atexit hook: the usual exit."""
    try:
        main()
        code = None
    except SystemExit as exc:
        code = exc.code
    import atexit
    import os
    import threading

    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    waited_for = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if run_exit_handlers is None or waited_for:
        sys.exit(code)
    status = code if isinstance(code, int) else 0 if code is None else 1
    if status == 1 and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit("message") prints
    run_exit_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: Python's own exit says 120 then
        status = status or 120
    os._exit(status)


if __name__ == "__main__":
    run()
