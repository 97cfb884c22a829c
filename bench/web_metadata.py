"""Outlet, date, author and canonical URL of fetched articles: `qa add` against trafilatura alone.

The pages are the saved ones of tests/data/web/outlets/ (ten outlets' layouts: JSON-LD, og: tags,
<meta name=author>, Dublin Core, microdata, parsely tags, <time datetime>, byline blocks), each
with the metadata its markup states in expected.json. They are served on loopback and added with
`qa.api.fetch_articles` into a temporary corpus, as `qa add` does; trafilatura's own reading of the
same bytes is the baseline.

    python bench/web_metadata.py            # prints a Markdown table and the totals
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.api import fetch_articles  # noqa: E402
from qa.config import Config  # noqa: E402
from tests.web_server import DATA, serve_web  # noqa: E402

FIELDS = ("outlet", "date", "author", "url")


def trafilatura_alone(name: str) -> dict:
    import trafilatura

    data = trafilatura.bare_extraction(
        (DATA / "outlets" / name).read_text(encoding="utf-8"),
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    d = data.as_dict() if data is not None else {}
    return {
        "outlet": d.get("sitename") or "",
        "date": d.get("date") or "",
        "author": (d.get("author") or "").replace("; ", ", "),
        "url": d.get("url") or "",
    }


def main() -> None:
    expected = json.loads((DATA / "outlets" / "expected.json").read_text(encoding="utf-8"))
    names = sorted(expected)
    with serve_web() as site, tempfile.TemporaryDirectory() as corpus:
        config = Config(corpus_dir=corpus, allow_private_urls=True)
        report = fetch_articles([f"{site.base}/outlets/{n}" for n in names], config)
        ours = {}
        for name, saved in zip(names, report.added):
            url = "" if saved.url.endswith(f"/outlets/{name}") else saved.url  # no canonical stated: its address
            doc = next(d for d in report.documents if d.id == saved.path)
            ours[name] = {"outlet": saved.outlet, "date": saved.date, "author": doc.author, "url": url}
    assert not report.problems and len(report.added) == len(names), report.problems
    right = {"qa add": dict.fromkeys(FIELDS, 0), "trafilatura alone": dict.fromkeys(FIELDS, 0)}
    print("| page | layout | qa add: outlet / date | trafilatura alone: outlet / date |")
    print("|---|---|---|---|")
    for name in names:
        base = trafilatura_alone(name)
        for who, got in (("qa add", ours[name]), ("trafilatura alone", base)):
            for f in FIELDS:
                right[who][f] += got[f] == expected[name][f]
        print(
            f"| {name} | {expected[name]['layout']} | {ours[name]['outlet']} / {ours[name]['date']} "
            f"| {base['outlet'] or '—'} / {base['date'] or '—'} |"
        )
    print()
    for who, counts in right.items():
        print(f"{who}: " + ", ".join(f"{f} {counts[f]}/{len(names)}" for f in FIELDS))


if __name__ == "__main__":
    main()
