"""Finding the files of a corpus folder without being led astray by what a real folder holds.

Symbolic links are followed only when their target stays inside the corpus folder; links that leave
it, dangling links and loops, FIFOs, sockets and devices each become one problem, and nothing but a
regular file is ever opened (opening a FIFO waits for a writer forever). Hidden files and folders
(.git, .DS_Store) hold tooling, never articles: they are skipped and counted.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputFileError
from . import problems as P


@dataclass
class Scan:
    """The regular files under a folder, sorted as their ids sort; problems; hidden entries skipped."""

    files: list[Path] = field(default_factory=list)
    problems: list[InputFileError] = field(default_factory=list)
    hidden: int = 0


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name


def os_reason(exc: OSError) -> str:
    """An OSError as a short reason and what to do about it."""
    if isinstance(exc, PermissionError):
        return "permission denied; make it readable (chmod a+r) or remove it"
    return f"cannot be read ({exc.strerror or type(exc).__name__}); check the disk or copy the file again"


def kind_name(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def scan_folder(root: Path) -> Scan:
    """Walk `root` depth first in name order; every entry is a file, a folder to enter, or one problem.

    Real folders are walked before linked ones, so a link to a folder of the corpus is the one
    reported (the folder's files keep their own ids), and a way back into a folder already entered
    (a link up to an ancestor, a bind mount) ends there: folders are known by device and inode."""
    scan = Scan()
    real_root = Path(os.path.realpath(root))
    seen: dict[tuple[int, int], Path] = {}
    stack = [_follow(root, root, seen, scan)]
    links: list = []
    while stack or links:
        folder = stack.pop() if stack else _follow(links.pop(0), root, seen, scan)
        if folder is None:
            continue
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.problems.append(P.problem(relative(folder, root) + "/", "folder " + os_reason(exc), P.UNREADABLE))
            continue
        found = [f for e in entries if (f := _entry(Path(e.path), root, real_root, scan)) is not None]
        real = [f for f in found if not f.is_symlink()]
        stack.extend(reversed([f for f in (_follow(f, root, seen, scan) for f in real) if f]))  # name order
        links.extend(f for f in found if f.is_symlink())
    scan.files.sort(key=lambda f: f.relative_to(root).parts)
    return scan


def _follow(folder: Path, root: Path, seen: dict[tuple[int, int], Path], scan: Scan) -> Path | None:
    """`folder` when no other path led into it yet, else None and one problem."""
    try:
        st = os.stat(folder)
    except OSError as exc:
        scan.problems.append(P.problem(relative(folder, root) + "/", "folder " + os_reason(exc), P.UNREADABLE))
        return None
    key = (st.st_dev, st.st_ino)
    if key in seen:
        where = relative(seen[key], root) or "."
        reason = f"a second way into folder {P.shown(where)!r} (a link to it, or a loop); not followed"
        scan.problems.append(P.problem(relative(folder, root), reason, P.LINK))
        return None
    seen[key] = folder
    return folder


def _entry(path: Path, root: Path, real_root: Path, scan: Scan) -> Path | None:
    """Record `path` in `scan` as a file, a problem or a hidden entry; a folder to enter is returned."""
    rel = relative(path, root)
    if path.name.startswith("."):
        scan.hidden += 1
        return None
    bad = P.unsafe_char_reason(rel, "file name")
    if bad:
        scan.problems.append(P.problem(rel, bad, P.BAD_NAME))
        return None
    try:
        real = _target(path, real_root) if path.is_symlink() else path
        mode = os.stat(real).st_mode
    except _LinkProblem as exc:
        scan.problems.append(P.problem(rel, str(exc), P.LINK))
        return None
    except OSError as exc:
        scan.problems.append(P.problem(rel, os_reason(exc), P.UNREADABLE))
        return None
    if stat.S_ISREG(mode):
        scan.files.append(path)
        return None
    if stat.S_ISDIR(mode):
        return path
    reason = f"{kind_name(mode)}, not a file; skipped without opening it"
    scan.problems.append(P.problem(rel, reason, P.SPECIAL))
    return None


class _LinkProblem(Exception):
    pass


def _target(link: Path, real_root: Path) -> Path:
    """The real path a symlink leads to, when it exists and stays inside `real_root`; else _LinkProblem."""
    try:
        target = Path(os.path.realpath(link, strict=True))
    except RuntimeError:  # pathlib and older Pythons report a loop this way
        raise _LinkProblem("symlink loop (the link leads back to itself); remove or fix the link") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _LinkProblem("symlink loop (the link leads back to itself); remove or fix the link") from None
        if isinstance(exc, FileNotFoundError):
            dest = P.shown(os.readlink(link))
            raise _LinkProblem(f"broken symlink: its target {dest!r} does not exist; remove or fix the link") from None
        raise
    if not target.is_relative_to(real_root):
        raise _LinkProblem(
            f"symlink to {P.shown(str(target))!r}, outside the corpus folder; not followed "
            "(copy the file into the folder to index it)"
        )
    return target
