"""The reader (qa/answer/reader.py): off by default; a folder named by QA_READER is loaded offline and
run without torch; it reads the leading candidates, joins their ranking and decides refusals; and the
training data and fits of bench/train_reader.py behave as documented."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

QUESTION = "Where were the October 5 talks supposed to be held?"
ANSWER = (
    "The talks between Azerbaijan and Armenia were supposed to be held on Oct. 5 in Spain, on the sidelines "
    "of the meeting of the European Political Community in Granada."
)
OTHER = (
    "Azerbaijani President Ilham Aliyev has canceled plans to attend peace talks on Nagorno-Karabakh with "
    "Armenian Prime Minister Nikol Pashinyan, Bloomberg reported on Oct. 4, citing local media."
)

_RUN = """
import json, sys
from qa.answer.reader import pair_text, reader_for
settings = reader_for(sys.argv[1])
logits = settings.model.logits(sys.argv[2], [pair_text(t, "A title") for t in json.loads(sys.argv[3])])
print(json.dumps({"logits": [float(x) for x in logits], "torch": "torch" in sys.modules}))
"""


def test_the_shipped_reader_is_on_by_default_and_can_be_turned_off(shipped):
    from qa.config import Config

    config = Config()
    assert config.reader == "shipped" and config.reader_scope == "sentence" and config.reader_refusal == "hand"
    read = [c for c in shipped.candidates(QUESTION) if c.reader is not None]
    assert len(read) == config.reader_top
    cands = shipped.with_config(reader="off").candidates(QUESTION)
    assert cands and all(c.reader is None for c in cands)
    assert all(c.score == c.hand for c in cands)


def test_the_shipped_reader_loads_offline_without_torch_and_carries_its_card():
    from qa.answer.reader import CARD_FILE, MODEL_FILE, shipped_folder

    folder = shipped_folder()
    card = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    assert (folder / MODEL_FILE).is_file() and card["file"] == MODEL_FILE
    assert card["never_trained_on"] == ["realtimeqa-dev"] and card["licences"]["xquad-en"] == "CC BY-SA 4.0"
    assert {"fusion", "refusal", "threshold", "versions", "rebuild", "out_of_fold"} <= set(card)
    # a process with no way out to the network: every socket refuses to connect
    offline = "import socket\nsocket.socket.connect = lambda *a, **k: (_ for _ in ()).throw(OSError('offline'))\n"
    run = subprocess.run(
        [sys.executable, "-c", offline + _RUN, "shipped", QUESTION, json.dumps([OTHER, ANSWER])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        check=True,
    )
    out = json.loads(run.stdout)
    assert not out["torch"]
    other, answer = out["logits"]
    assert answer > other  # the sentence that answers reads as answering, the one beside it does not


def test_the_shipped_reader_puts_the_answering_sentence_first(shipped):
    # the issue's own example: the hand-set ranking alone quotes the sentence naming the EU first
    question = "Who represented the United States at the secret meeting in Turkey?"
    answer = shipped.ask(question)
    assert "Louis Bono" in answer.quotes[0].text
    for q in answer.quotes:
        assert shipped.documents[q.doc_id].text[q.start : q.end] == q.text


def test_the_readers_choice_of_sentence_leaves_refusals_to_the_hand_set_ranking(shipped):
    # the coverage decision was fitted on the hand-set ranking's best sentence; judged on the sentence
    # a reader puts first instead, it refused more answerable questions (docs/reader.md, round 5)
    off = shipped.with_config(reader="off")
    question = "Who represented the United States at the secret meeting in Turkey?"
    on_answer, off_answer = shipped.ask(question), off.ask(question)
    assert on_answer.quotes[0].text != off_answer.quotes[0].text  # the reader chose another sentence
    assert on_answer.confidence == off_answer.confidence
    for q in (QUESTION, "Who won the 1994 World Cup final?", "When did Aliyev cancel his trip?"):
        assert shipped.ask(q).confidence == off.ask(q).confidence, q


def test_a_missing_reader_folder_is_a_clear_error(shipped, tmp_path):
    from qa.errors import ConfigError

    with pytest.raises(ConfigError, match="reader-int8.onnx.*QA_READER=off"):
        shipped.with_config(reader=str(tmp_path / "nowhere")).ask(QUESTION)


@pytest.fixture(scope="module")
def reader_folder(tmp_path_factory):
    """A reader exported exactly as bench/train_reader.py exports one (its head untrained), with the
    torch model's logits for two pairs to compare against."""
    import torch
    import train_reader as T

    from qa.answer.reader import encode, pair_text, tokenizer

    torch.manual_seed(0)
    bert = T.load_bert()
    full = T.make_full(bert, T.make_top(bert)).eval()
    folder = tmp_path_factory.mktemp("reader")
    T.export_int8(full, folder / "reader-int8.onnx", "logit")
    (folder / "reader.json").write_text(
        json.dumps(
            {
                "fusion": {"bias": 0.0, "reader": 1.0, "hand": 2.0},
                "refusal": {"bias": -1.0, "best": 0.5, "support": 3.0},
                "threshold": 0.3,
            }
        )
    )
    feed = encode(tokenizer(), QUESTION, [pair_text(t, "A title") for t in (OTHER, ANSWER)])
    with torch.no_grad():
        expected = full(*(torch.from_numpy(feed[k]) for k in ("input_ids", "attention_mask", "token_type_ids")))
    return folder, expected.numpy()


def test_an_exported_reader_loads_offline_and_runs_without_torch(reader_folder):
    folder, expected = reader_folder
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    run = subprocess.run(
        [sys.executable, "-c", _RUN, str(folder), QUESTION, json.dumps([OTHER, ANSWER])],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    out = json.loads(run.stdout)
    assert not out["torch"], "a reader runs on onnxruntime alone"
    # int8 weights against the float model: close, not equal
    assert np.allclose(out["logits"], expected, atol=0.05), (out["logits"], expected)


def test_the_reader_reads_the_leading_candidates_and_decides_refusals(shipped, reader_folder):
    folder, _ = reader_folder
    on = shipped.with_config(reader=str(folder), reader_top=6, reader_scope="all", reader_refusal="reader")
    cands = on.candidates(QUESTION)
    read = [c for c in cands if c.reader is not None]
    assert len(read) == 6
    # fusion sigmoid(logit + 2 hand): every score is a probability, and unread sentences rank below read ones
    assert all(0.0 < c.score < 1.0 for c in cands)
    best_unread = max((c.hand for c in cands if c.reader is None), default=None)
    assert best_unread is None or best_unread <= min(c.hand for c in read)
    answer = on.ask(QUESTION, k=3)
    assert 0.0 < answer.confidence < 1.0
    for q in answer.quotes:  # the promise holds whatever ranks the sentences
        doc = shipped.documents[q.doc_id]
        assert doc.text[q.start : q.end] == q.text


def test_by_default_the_reader_only_chooses_the_sentence_within_each_article(shipped, reader_folder):
    from qa.answer.reader import reader_for

    folder, _ = reader_folder
    off = shipped.candidates(QUESTION)
    on = shipped.with_config(reader=str(folder), reader_top=8)
    cands = on.candidates(QUESTION)
    assert on.config.reader_scope == "sentence" and on.config.reader_refusal == "hand"

    def scores_by_doc(cs):
        out: dict[str, list[float]] = {}
        for c in cs:
            out.setdefault(c.doc_id, []).append(round(c.score, 9))
        return {d: sorted(s) for d, s in out.items()}

    # each article keeps the scores the hand-set ranking gave its sentences, so articles keep their order
    assert scores_by_doc(cands) == scores_by_doc(off)
    # within an article, the sentences read take those scores in the reader's fused order
    settings = reader_for(str(folder))
    read = [c for c in cands if c.reader is not None]
    assert len(read) == 8
    for doc in {c.doc_id for c in read}:
        mine = sorted((c for c in read if c.doc_id == doc), key=lambda c: -c.score)
        fused = [settings.fused(c.reader, c.hand) for c in mine]
        assert fused == sorted(fused, reverse=True)
    # refusals stay the hand-set decision
    assert on.ask(QUESTION, k=3).confidence == pytest.approx(shipped.ask(QUESTION, k=3).confidence)


def test_the_reader_reads_a_sentence_with_the_start_of_the_one_before_it(shipped):
    # "It cost 1.9 billion crowns" answers a question about the bridge only beside the sentence that
    # names the bridge: a model trained with `context_chars` reads that sentence's start
    from qa.answer.candidates import Candidate, lead_in, reader_text
    from qa.answer.reader import BEFORE_MARK, TITLE_MARK, cut_words

    index = shipped.index
    rows = index.sentence_rows
    first = int(np.flatnonzero(rows[:, 0] == rows[0, 0])[0])  # the first article's first sentence
    doc = index.documents[index.doc_ids[int(rows[first, 0])]]
    assert lead_in(index, first, 200) == ""  # an article's first sentence follows nothing
    _, s, e = rows[first].tolist()
    before = lead_in(index, first + 1, 60)
    assert before and len(before) <= 60 and " ".join(doc.text[s:e].split()).startswith(before)
    assert lead_in(index, first + 1, 0) == ""
    # a sentence never reads the last sentence of the article before it
    later = int(np.flatnonzero(rows[:, 0] != rows[0, 0])[0])
    assert lead_in(index, later, 200) == ""
    _, s2, e2 = rows[first + 1].tolist()
    cand = Candidate(doc_id=doc.id, start=s2, end=e2, row=first + 1)
    text = reader_text(index, cand, 60)
    assert text.endswith(BEFORE_MARK + before) and TITLE_MARK + " ".join(doc.title.split()) in text
    assert BEFORE_MARK not in reader_text(index, cand, 0)  # a model trained without it reads none
    assert cut_words("alpha beta  gamma", 10) == "alpha beta" and cut_words("alpha", 3) == ""


def test_a_readers_card_says_how_it_reads(reader_folder, tmp_path):
    import shutil

    from qa.answer.reader import MAX_TOKENS, UNNAMED_MAX_TOKENS, ReaderSettings

    folder, _expected = reader_folder
    old = ReaderSettings(folder)  # a card from before the sentence before was read
    assert old.context_chars == 0 and old.model.tok.truncation["max_length"] == UNNAMED_MAX_TOKENS
    shutil.copy(folder / "reader-int8.onnx", tmp_path / "reader-int8.onnx")
    (tmp_path / "reader.json").write_text(json.dumps({"context_chars": 80, "max_tokens": MAX_TOKENS}))
    new = ReaderSettings(tmp_path)
    assert new.context_chars == 80 and new.model.tok.truncation["max_length"] == MAX_TOKENS


def test_reader_settings_list_their_choices():
    from qa.config import Config
    from qa.errors import ConfigError

    with pytest.raises(ConfigError, match="reader_scope: unknown scope 'doc'; choose one of sentence, all"):
        Config(reader_scope="doc")
    with pytest.raises(ConfigError, match="reader_refusal: unknown choice 'x'; choose one of hand, reader"):
        Config(reader_refusal="x")


def test_a_supporting_sentence_needs_the_readers_word_when_the_reader_judges_claims(tmp_path):
    from qa.answer.candidates import Candidate
    from qa.answer.reader import CARD_FILE, MODEL_FILE, reader_for, shipped_folder
    from qa.config import Config
    from qa.drafts import backs

    on = Config()
    settings = reader_for(on.reader)
    assert on.reader_support and settings is not None and settings.support_measure in ("absolute", "relative")
    strong = Candidate("d", 0, 10, 0, score=on.support_min + 0.1)
    assert backs(strong, on.replace(reader="off")) and backs(strong, on.replace(reader_support=False))
    assert not backs(strong, on)  # not read: no word from the reader
    strong.reader = settings.support_cut - 0.5  # the reader does not read the claim in the sentence
    assert not backs(strong, on)
    strong.reader = settings.support_cut + 0.5
    assert backs(strong, on)
    weak = Candidate("d", 0, 10, 0, score=on.support_min - 0.1, reader=settings.support_cut + 5)
    assert not backs(weak, on) and not backs(weak, on.replace(reader_support=False))
    # a model whose card was not fitted on claims has no say in support
    unfitted = tmp_path / "reader"
    unfitted.mkdir()
    (unfitted / MODEL_FILE).symlink_to(shipped_folder() / MODEL_FILE)
    card = json.loads((shipped_folder() / CARD_FILE).read_text(encoding="utf-8"))
    (unfitted / CARD_FILE).write_text(json.dumps({k: v for k, v in card.items() if k != "support"}), encoding="utf-8")
    assert reader_for(str(unfitted)).support_measure is None
    assert backs(Candidate("d", 0, 10, 0, score=on.support_min + 0.1), on.replace(reader=str(unfitted)))


def test_the_claim_cut_flags_at_most_its_share_of_restatements_and_is_chosen_out_of_fold():
    import reader_claims as RC

    rng = np.random.default_rng(0)
    by_fold = {
        f: {
            "paraphrase": list(rng.normal(0.0, 1.0, 300)),
            "rewrite": list(rng.normal(-1.0, 1.0, 60)),
            "changed": list(rng.normal(-4.0, 1.0, 200)),
            "changed rewrite": list(rng.normal(-5.0, 1.0, 60)),
        }
        for f in range(5)
    }
    pooled = {k: [x for v in by_fold.values() for x in v[k]] for k in by_fold[0]}
    cut = RC.chosen_cut(pooled)
    assert np.mean(np.array(pooled["rewrite"]) < cut) <= RC.MAX_FLAGGED
    assert np.mean(np.array(pooled["rewrite"]) < cut + 0.2) > RC.MAX_FLAGGED  # the highest such cut
    shares, chosen = RC.out_of_fold(by_fold)
    assert set(chosen) == set(range(5)) and all(abs(c - cut) < 0.5 for c in chosen.values())
    assert shares["changed"] > 0.7 and shares["paraphrase"] < 0.05


def test_a_claim_with_one_party_changed_is_flagged(shipped):
    # the talks were between Azerbaijan and Armenia; the claim names Georgia instead. The reader flags
    # about 4 in 10 such copies out of fold (a changed place "in Portugal" here is not: docs/reader.md,
    # round 7), and the support score alone none
    changed_text = ANSWER.replace("Armenia", "Georgia")
    true = shipped.support(ANSWER)
    changed = shipped.support(changed_text).sentences[0]
    assert true.sentences[0].supported and "Armenia" in true.sources[true.sentences[0].sources[0] - 1].text
    assert not changed.supported and changed.checked
    # the topical score alone backs both: the claims share every word but one
    off = shipped.with_config(reader_support=False)
    assert off.support(changed_text).sentences[0].supported


def test_a_claim_the_articles_say_otherwise_shows_the_closest_sentence_exactly(shipped):
    from qa.drafts import CONTESTED_TEXT, NO_SUPPORT_TEXT
    from qa.render import CLOSEST_LEAD, format_support_text, support_markdown
    from qa.web.html import draft_html

    invented = "China offered to host a summit of the two leaders in Beijing next spring."
    result = shipped.support(ANSWER.replace("Armenia", "Georgia") + " " + invented)
    changed, other = result.sentences
    q = changed.closest
    assert q is not None and "Armenia" in q.text and "Georgia" not in q.text
    assert shipped.documents[q.doc_id].text[q.start : q.end] == q.text  # the source's exact characters
    assert changed.to_dict()["verdict"] == CONTESTED_TEXT and changed.to_dict()["closest"]["text"] == q.text
    # a claim no sentence comes near has nothing to compare with
    assert not other.supported and other.closest is None and other.to_dict()["verdict"] == NO_SUPPORT_TEXT
    docs = shipped.documents
    text = format_support_text(result, docs)
    assert f"{CLOSEST_LEAD} “{q.text}”" in text and text.count(CLOSEST_LEAD) == 1
    assert CLOSEST_LEAD in support_markdown(result, docs)
    html = draft_html(result, docs)
    assert "qa-draft-closest" in html and "Not what the articles say" in html


def test_a_changed_claim_changes_one_fact_of_the_same_kind():
    import train_reader as T

    pool = ["Lisbon", "1984", "the river", "Geneva"]
    claim = T.changed_claim(ANSWER, ["Granada"], pool, random.Random(1))
    assert claim is not None and "Granada" not in claim
    assert claim.replace("Lisbon", "Granada") == ANSWER or claim.replace("Geneva", "Granada") == ANSWER
    assert T.changed_claim(ANSWER, ["not in it"], pool, random.Random(1)) is None
    number = T.changed_claim("It took 24 hours.", ["24"], pool, random.Random(1))
    assert number == "It took 1984 hours."


def test_fits_refuse_at_most_their_share_of_answerable_questions():
    import reader_fit

    rng = np.random.default_rng(0)
    rows, scores = [], {}
    for i in range(200):
        own = [
            {"score": float(rng.uniform(0.3, 0.9)), "semantic": 0.5, "lexical": 0.5, "label": int(j == 2)}
            for j in range(5)
        ]
        lso = [{"score": float(rng.uniform(0.1, 0.6)), "semantic": 0.3, "lexical": 0.2, "label": 0} for _ in range(5)]
        rows.append({"set": "xquad-en", "id": str(i), "fold": i % 5, "own": own, "lso": lso})
        scores[("xquad-en", str(i))] = {
            "own": [float(rng.normal()), float(rng.normal()), 6.0, float(rng.normal()), float(rng.normal())],
            "lso": [float(rng.normal()) for _ in range(5)],
        }
    values = reader_fit.per_fold(rows, scores, 5)
    assert sorted(values) == [0, 1, 2, 3, 4] and not any(v.get("fitted_on_itself") for v in values.values())
    figures = reader_fit.evaluate(rows, scores, values)["xquad-en"]
    assert figures["reader_at_1"] == 1.0 and figures["hand_at_1"] < 1.0
    assert figures["refused"] <= 0.1 and figures["lso_refused"] > 0.5


def test_a_card_refit_names_what_it_is_missing(tmp_path, capsys):
    import train_reader as T

    with pytest.raises(SystemExit):
        T.main(["--card", "--out", str(tmp_path / "reader-int8.onnx")])
    assert "--card goes with --refit" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        T.main(["--refit", "--card", "--out", str(tmp_path / "reader-int8.onnx"), "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert "no model at --out" in err and str(tmp_path / "reader-int8.onnx") in err
    assert not (tmp_path / "reader.json").exists()


def test_the_refusal_study_reads_each_set_at_its_share_of_answerable_refused():
    import reader_refusal as R

    cand = {"score": 0.5, "semantic": 0.4, "lexical": 0.3, "retrieval": 1.0, "type_fit": 0.0, "doc_id": "a"}
    hand, both = R.features([cand] * 3, None), R.features([cand] * 3, [1.0, -2.0, 0.5])
    assert len(both) == len(hand) + R.TOP + 3 and both[len(hand)] == 1.0 and both[-1] == 1.0
    # answerable questions score 1..100, leave-source-out copies 0.5..50.5: at 5% of the answerable
    # refused (below 5.95) the copies under it are refused
    p = np.concatenate([np.arange(1, 101), np.arange(0.5, 50.5)])
    y = np.array([1] * 100 + [0] * 50)
    got = R.refused_at(p, y, np.array(["covid-qa"] * 150), 0.05)
    assert got == {"covid-qa": round(6 / 50, 3)}
    # with --coverage the coverage decision's signals stand in for the hand-set ones
    row = {"set": "shipped", "id": "q", "fold": 2, "own": [cand], "lso": [cand], "cover_own": [0.7, 0.1]}
    row["cover_lso"] = [0.2, 0.0]
    x, labels, folds, sets, shipped = R.table([row], {("shipped", "q"): {"own": [3.0], "lso": [-4.0]}}, True)
    assert x[:, :2].tolist() == [[0.7, 0.1], [0.2, 0.0]] and x[0, 2] == 3.0 and x[1, 2] == -4.0
    assert labels.tolist() == [1, 0] and folds.tolist() == [2, 2] and sets.tolist() == ["shipped"] * 2
    assert np.isnan(shipped).all()  # no shipped decision read without attach_coverage


def test_a_threshold_chosen_on_training_folds_keeps_every_set_within_its_share():
    import reader_refusal as R

    # xquad-en's answerable questions score 1..100 thousandths, shipped's 0.5..19.5: at most 5% of each
    # refused means below 6 for the first and below 1.5 for the second, so 1.5 for both
    p = np.concatenate([np.arange(1.0, 101.0), np.arange(0.5, 20.5)]) / 1000
    y, sets = np.ones(120, dtype=int), np.array(["xquad-en"] * 100 + ["shipped"] * 20)
    t = R.threshold_at(p, y, sets, 0.05)
    assert t == 0.0015 and (p[sets == "shipped"] < t).mean() == 0.05 and (p[sets == "xquad-en"] < t).mean() == 0.01
    # matched to a mean share of 3%: below 1.5, 1 of 100 and 1 of 20 (3%); below 2, 1 of 100 and 2 of 20
    assert R.matched_threshold(p, y, sets, 0.03) == 0.0015


def test_a_refusal_beats_another_only_where_it_does_worse_on_no_set():
    import reader_refusal as R

    y = np.array([1, 1, 0, 0] * 4)
    sets = np.repeat(np.array(R.SETS), 4)
    base = np.array([False, False, True, False] * 4)
    more = base.copy()
    more[3] = True  # one more copy refused on xquad-en, nothing else changed
    assert R.sets_beaten(more, base, y, sets) == 1 and R.sets_beaten(base, base, y, sets) == 0
    worse = more.copy()
    worse[4] = True  # ... and an answerable question of covid-qa refused
    assert R.sets_beaten(worse, base, y, sets) == 0
