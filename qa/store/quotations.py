"""Quotations in the index: `quotations.jsonl` beside the other files of a generation (qa/indexing/
extracts them while it builds, reusing those of unchanged documents; qa/quotations finds them).

The file's first line is a header naming the extractor version; quotations of another version (or an
index that has none) read as None, and are found again when the index is loaded, so an upgrade never
serves stale speakers.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..records import Quotation

QUOTATIONS = "quotations.jsonl"
# The version of what qa/quotations/extract.py finds: raise it when extraction changes, and stored
# quotations of another version are found again. Here, with the format, so the store reads no extractor.
EXTRACTOR_VERSION = 3  # 3: no blank speakers from names run on into blank lines


def write_quotations(folder: Path, quotations: list[Quotation]) -> None:
    with open(folder / QUOTATIONS, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"extractor": EXTRACTOR_VERSION, "quotations": len(quotations)}) + "\n")
        for q in quotations:
            fh.write(json.dumps(q.to_dict(), ensure_ascii=False) + "\n")


def read_quotations(folder: Path) -> list[Quotation] | None:
    """The stored quotations, or None when the file is missing or from another extractor version."""
    path = folder / QUOTATIONS
    if not path.is_file():
        return None
    with open(path, encoding="utf-8") as fh:
        header = json.loads(fh.readline() or "{}")
        if header.get("extractor") != EXTRACTOR_VERSION:
            return None
        return [Quotation.from_dict(json.loads(line)) for line in fh if line.strip()]
