"""The baselines bench/quality.py compares against (bench/baselines.py): exact quotes, LangChain's chunks."""

from __future__ import annotations

import sys

import pytest

from qa.eval import check_fidelity

from .eval_fixtures import DOCS, ROOT


@pytest.fixture(scope="module")
def baselines():
    sys.path.insert(0, str(ROOT / "bench"))
    import baselines as b

    return b


def test_recursive_character_chunks_match_langchain(baselines):
    text = (
        "Granada hosts the summit.\n\nLeaders meet on Oct. 5 in Spain.\nAliyev refused to attend the talks in the end."
    )
    # expected values produced by langchain_text_splitters.RecursiveCharacterTextSplitter 1.1.3
    cut = lambda size, overlap: [text[a:b] for a, b in baselines.recursive_character_chunks(text, size, overlap)]  # noqa: E731
    assert cut(40, 10) == [
        "Granada hosts the summit.",
        "Leaders meet on Oct. 5 in Spain.",
        "Aliyev refused to attend the talks in",
        "talks in the end.",
    ]
    assert cut(30, 0) == [
        "Granada hosts the summit.",
        "Leaders meet on Oct. 5 in",
        "Spain.",
        "Aliyev refused to attend the",
        "talks in the end.",
    ]
    assert cut(1000, 200) == [text]


def test_bm25_baseline_quotes_exact_sentences(baselines):
    docs = list(DOCS.values())
    bot = baselines.Bm25Baseline(docs)
    a = bot.ask("Where were the talks to be held?", 5)
    assert not a.abstained and a.quotes[0].text == "The talks were to be held in Granada."
    assert check_fidelity(a, DOCS) == []
    assert bot.ask("zebra xylophone", 5).abstained  # no question word in any passage


def test_chunk_recipe_quotes_exact_sentences(baselines):
    docs = list(DOCS.values())
    bot = baselines.ChunkRecipe(docs)
    a = bot.ask("How long do male penguins incubate the eggs?", 5)
    assert a.quotes[0].text == "Males incubate the eggs for about two months."
    assert [qq.n for qq in a.quotes] == list(range(1, len(a.quotes) + 1))
    assert len({(qq.doc_id, qq.start) for qq in a.quotes}) == len(a.quotes)
    assert check_fidelity(a, DOCS) == []
