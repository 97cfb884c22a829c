"""The README stays a page a newcomer reads in five minutes (issue #24): short, true to the tree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAX_LINES = 300  # the "at most ~300 lines"; reference material lives in docs/
# Written by the answer-rule audit, landing on its own branch; the README already links it.
NOT_YET = {"docs/rule-audit.md"}


def test_the_readme_is_short():
    assert README.count("\n") <= MAX_LINES


def test_its_two_commands_are_make_targets():
    assert "make app" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^app:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_every_module_of_qa_is_named():
    for path in sorted((ROOT / "qa").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if path.name == "__init__.py":
            name = f"`{rel.parent.as_posix()}/`"  # a package is named by its folder
        elif rel.parent == Path("qa"):
            name = f"`{rel.as_posix()}`"
        else:
            name = f"`{path.name}`"
        assert name in README, f"{rel} is not named in the README's How it works"


def test_its_links_lead_somewhere():
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README):
        if "://" in target or target in NOT_YET:
            continue
        assert (ROOT / target).exists(), f"README links {target}, which does not exist"
