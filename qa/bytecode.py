"""Set-up's step (scripts/setup.sh): byte-compile this package once, so that no start compiles it.

Python caches a module's compiled code in __pycache__/ the first time it imports it, unless
PYTHONDONTWRITEBYTECODE is set (some shells and containers set it, this project's own machine among
them). Then every `qa` command compiles the ~15k lines of qa/ again: about 0.15 s of each start on a
quiet 2-core machine, more on a busy one. Python still reads a cache that exists with the variable
set, so compiling once here gives every later start the cached code. A cache older than its source is
ignored (Python checks the source's time and size), so an edited module is compiled as before until
the next `make setup`. The installed packages under .venv/ come compiled by pip already.

    python -m qa.bytecode      # silent; exit code 1 when a module does not compile
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def compile_package(root: Path = PACKAGE) -> bool:
    """Write the __pycache__ files of every module under `root` that lacks a current one (quick when
    all are current); True when every module compiled."""
    # quiet=1: only a module that does not compile is printed (2 would hide that too)
    return bool(compileall.compile_dir(str(root), quiet=1, workers=1))


def main() -> int:
    return 0 if compile_package() else 1


if __name__ == "__main__":
    sys.exit(main())
