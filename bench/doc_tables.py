"""The bench scripts' tables in docs/benchmarks.md: each script rewrites its own block, nothing else.

A table's block sits between two marker lines that name it, the script's file stem first:

    <!-- table: quality -->
    ...what bench/quality.py wrote last, then its command line and the date...
    <!-- /table: quality -->

A script adds the flags with `add_arguments(parser)`, checks its block with `from_args(...)` before
the long run starts (a missing marker fails in a second, not after an hour), and hands its Markdown
to `DocTable.write` once its own --out is written. A run whose --out is a scratch file outside the
checkout leaves the document alone unless --docs names it; --no-docs always does. The block is replaced by the table, the command
as the user ran it, the UTC date and the git commit; the file is written atomically (a temporary
file, then os.replace) and every byte outside the block stays as it was.

    python bench/doc_tables.py            # each block of docs/benchmarks.md and its command
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT / "docs" / "benchmarks.md"
# a marker line: "<!-- table: NAME -->" opens a block, "<!-- /table: NAME -->" closes it
MARKER = re.compile(r"^<!-- (/?)table: (\S+) -->[ \t]*\r?$", re.MULTILINE)
NAME = re.compile(r"[a-z0-9_]+(/[a-z0-9_-]+)?")  # script stem, then an optional part: quality/leave-source-out


class MarkerError(ValueError):
    """docs/benchmarks.md lacks the block of a table, or holds it twice, or never closes it."""


def opening(table: str) -> str:
    return f"<!-- table: {table} -->"


def closing(table: str) -> str:
    return f"<!-- /table: {table} -->"


def markers(text: str) -> list[str]:
    """The names of the blocks the text opens, in order (a name twice is listed twice)."""
    return [m.group(2) for m in MARKER.finditer(text) if not m.group(1)]


def script_of(table: str) -> str:
    """The bench script that writes `table`: its name up to the first "/" (quality/leave-source-out: quality)."""
    return f"bench/{table.split('/')[0]}.py"


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def block_span(text: str, table: str, where: str = "the document") -> tuple[int, int]:
    """(start, end) of what lies between `table`'s two marker lines: the start of the line after
    the opening marker, and the start of the closing marker's line."""
    found = [m for m in MARKER.finditer(text) if m.group(2) == table]
    opens = [m for m in found if not m.group(1)]
    closes = [m for m in found if m.group(1)]
    there = ", ".join(markers(text)) or "none"
    if not opens:
        raise MarkerError(
            f"{where} has no marker {opening(table)!r} (markers there: {there}); "
            f"put the lines {opening(table)} and {closing(table)} around the table's place"
        )
    if len(opens) > 1 or len(closes) > 1:
        lines = ", ".join(str(_line(text, m.start())) for m in found)
        raise MarkerError(f"{where} holds the marker of table {table!r} more than once (lines {lines}); keep one pair")
    if not closes or closes[0].start() < opens[0].end():
        raise MarkerError(
            f"{where} opens {opening(table)!r} on line {_line(text, opens[0].start())} "
            f"but has no {closing(table)!r} after it; add it where the block ends"
        )
    start = text.index("\n", opens[0].start()) + 1
    return start, closes[0].start()


def replace_block(text: str, table: str, block: str, where: str = "the document") -> str:
    """`text` with what lies between `table`'s markers replaced by `block`; the rest unchanged."""
    start, end = block_span(text, table, where)
    newline = "\r\n" if text[start - 2 : start] == "\r\n" else "\n"
    body = block.strip("\n").replace("\n", newline)
    return text[:start] + body + newline + text[end:]


def command_line(table: str, argv: list[str] | None) -> str:
    """The command as the user typed it, from the checkout's root: python bench/<script> <argv>."""
    args = sys.argv[1:] if argv is None else list(argv)
    return shlex.join(["python", script_of(table), *args])


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def commit() -> str | None:
    """The checkout's commit, with "+ local changes" when code the figures came from is modified
    (qa/ or bench/'s scripts; the tables a run writes do not count)."""
    head = _git("rev-parse", "--short", "HEAD")
    if head is None:
        return None
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "qa", "bench/*.py", "app.py")
    return f"{head} + local changes" if dirty else head


def stamp(command: str, when: datetime, rev: str | None) -> str:
    at = f" at commit {rev}" if rev else ""
    return f"*Command: `{command}`. Written by the script on {when:%Y-%m-%d %H:%M} UTC{at}.*"


def block(body: str, command: str, when: datetime | None = None, rev: str | None = None) -> str:
    """What goes between the markers: the script's Markdown (its own `# title` line dropped: the
    document has its headings), then the command and date line."""
    lines = body.strip("\n").split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    text = "\n".join(lines).strip("\n")
    when = when or datetime.now(timezone.utc)
    return f"{text}\n\n{stamp(command, when, rev)}\n"


@contextlib.contextmanager
def _locked(folder: Path):
    """Two scripts finishing at once must not each write back the document as they read it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the rename stays atomic
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_table(docs: Path, table: str, body: str, command: str, rev: str | None = None) -> None:
    """Replace `table`'s block of `docs` with `body` and its command line, atomically."""
    docs = Path(docs)
    with _locked(docs.parent):
        with open(docs, encoding="utf-8", newline="") as f:
            text = f.read()
        new = replace_block(text, table, block(body, command, rev=rev), str(docs))
        fd, tmp = tempfile.mkstemp(prefix=f".{docs.name}.", suffix=".tmp", dir=docs.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(new)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, os.stat(docs).st_mode & 0o7777)
            os.replace(tmp, docs)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--docs PATH and --no-docs: by default a run rewrites its table in docs/benchmarks.md, unless
    its --out is a scratch file outside the checkout."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--docs",
        type=Path,
        default=None,
        help="rewrite this script's table in this Markdown file (default: docs/benchmarks.md, "
        "unless --out is outside the checkout)",
    )
    group.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")


@dataclass(frozen=True)
class DocTable:
    """One table's block in one document, checked to be there; `write` it once the run is done."""

    docs: Path
    table: str
    command: str

    def write(self, body: str) -> None:
        try:
            write_table(self.docs, self.table, body, self.command, commit())
        except (MarkerError, OSError, UnicodeDecodeError) as e:
            # the run's own --out is written already: the figures are not lost
            raise SystemExit(f"Error: could not update {self.docs}: {e}") from None
        print(f"updated table {self.table!r} in {self.docs}", file=sys.stderr)


def scratch(out) -> bool:
    """Whether a run's --out lies outside the checkout: a trial run, whose table is not the project's."""
    return out is not None and not Path(out).resolve().is_relative_to(ROOT.resolve())


def from_args(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    table: str,
    argv: list[str] | None = None,
    out=None,
) -> DocTable | None:
    """The table to rewrite after the run: None with --no-docs, or when `out` (the run's --out) is
    a scratch file and --docs was not given. A missing, doubled or unclosed marker, or an unreadable
    document, is a usage error now, before the run."""
    if args.no_docs:
        return None
    docs = args.docs
    if docs is None:
        if scratch(out):
            print(
                f"docs/benchmarks.md left alone: --out {out} is outside the checkout (--docs updates it)",
                file=sys.stderr,
            )
            return None
        docs = DEFAULT_DOCS
    try:
        with open(docs, encoding="utf-8", newline="") as f:
            block_span(f.read(), table, str(docs))
    except (MarkerError, OSError, UnicodeDecodeError) as e:
        parser.error(f"{e} (or pass --no-docs)")
    return DocTable(Path(docs), table, command_line(table, argv))


def main(argv: list[str] | None = None) -> int:
    """List the blocks of a document, the script that writes each and its last command line."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("docs", nargs="?", type=Path, default=DEFAULT_DOCS)
    args = ap.parse_args(argv)
    text = args.docs.read_text(encoding="utf-8")
    for table in markers(text):
        start, end = block_span(text, table, str(args.docs))
        commands = re.findall(r"^\*Command: `([^`]*)`", text[start:end], re.MULTILINE)
        print(f"{table}\t{script_of(table)}\t{commands[-1] if commands else '(no command line)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
