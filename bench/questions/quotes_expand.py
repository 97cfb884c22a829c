"""Expand the hand-written quotation list to exact text and offsets (bench/questions/README.md).

python bench/questions/quotes_expand.py [SPEC] [OUT]   # default: quotes_spec.txt -> quotes.jsonl, beside this file
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
from qa.api import load_documents  # noqa: E402

spec = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "quotes_spec.txt"
target = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "quotes.jsonl"
docs = {d.id: d for p in (ROOT / "corpus", ROOT / "bench" / "quotes_articles") for d in load_documents([p]).documents}
last = {}
out = []
for line in open(spec, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    doc_id, quote, speaker, rest = [x.strip() for x in line.rstrip("\n").split("|", 3)]
    flags, _, aliases = rest.partition(";;")
    text = docs[doc_id].text
    pre, _, suf = quote.partition(" … ")
    s = text.find(pre, last.get(doc_id, 0))
    while s > 0 and text[s - 1] not in '“"«‘”':
        s = text.find(pre, s + 1)
    if s < 0:
        sys.exit(f"not found: {doc_id} {pre!r}")
    e = s + len(pre) if not suf else text.find(suf, s + len(pre)) + len(suf)
    if suf and e < len(suf):
        sys.exit(f"suffix not found: {doc_id} {suf!r}")
    last[doc_id] = s + 1
    row = {"doc_id": doc_id, "quote": text[s:e], "speaker": None if speaker == "-" else speaker, "start": s}
    if "N" in flags.split():
        row["not_speech"] = True
    if aliases.strip():
        row["also"] = [a.strip() for a in aliases.split(";") if a.strip()]
    out.append(row)
with open(target, "w", encoding="utf-8") as fh:
    for r in out:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(out), sum(1 for r in out if not r.get("not_speech")))
