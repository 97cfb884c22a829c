"""One input policy for text, in one place (qa/inputs.py), met the same way from the Python API, the CLI
and HTTP (issue 26, items 4 and 8): lone surrogates, bytes that are not UTF-8, NULs, wrong types,
missing fields and unknown outlets each get one line naming the field; nothing ends in a traceback,
and no HTTP reply is `{"error": null}`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.errors import InvalidRequestError, InvalidTextError

from .test_app_api import GRANADA, running_app

SURROGATE = "\udcff"  # what the byte 0xff becomes in a command-line argument (surrogateescape)
FILE_REF = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}


# --- the Python API ------------------------------------------------------------------------------

API_CASES = {
    "surrogate question": (
        lambda a: a.ask(f"Why {SURROGATE} Granada?"),
        "question: holds a lone surrogate (\\udcff) at character 5",
    ),
    "escaped surrogate": (lambda a: a.ask("\ud800"), "question: holds a lone surrogate (\\ud800) at character 1"),
    "number question": (lambda a: a.ask(5), "question: expected the question as text, got a number"),
    "list question": (lambda a: a.ask(["Granada?"]), "question: expected the question as text, got a list"),
    "bytes question": (lambda a: a.ask(b"Granada?"), "question: expected the question as text, got bytes"),
    "no question": (lambda a: a.ask(None), "question: missing"),
    "NUL question": (lambda a: a.ask("Gran\x00ada?"), "question: holds a control character (U+0000) at character 5"),
    "numeric date": (
        lambda a: a.ask(GRANADA, date_from=20231004),
        "date_from: expected a date as text (YYYY-MM-DD), got a number",
    ),
    "surrogate history": (lambda a: a.ask(GRANADA, history=["\udfff"]), "history[0]: holds a lone surrogate"),
    "numeric history question": (
        lambda a: a.ask(GRANADA, history=[{"question": 5}]),
        "history[0].question: expected text",
    ),
    "surrogate outlet": (lambda a: a.ask(GRANADA, sources=["\ud800"]), "sources[0]: holds a lone surrogate"),
    "numeric outlets": (lambda a: a.ask(GRANADA, sources=5), "sources: expected a list of names, got a number"),
    "surrogate topic": (lambda a: a.quotes(f"talks {SURROGATE}"), "topic: holds a lone surrogate"),
    "numeric topic": (lambda a: a.quotes(7), "topic: expected text, got a number"),
    "list speaker": (lambda a: a.quotes(speaker=["Aliyev"]), "speaker: expected text, got a list"),
    "surrogate draft": (lambda a: a.support(f"The talks {SURROGATE} were held."), "text: holds a lone surrogate"),
    "numeric draft": (lambda a: a.support(7), "text: expected the draft as text, got a number"),
    "no draft": (lambda a: a.support(None), "text: missing"),
    "surrogate candidates": (lambda a: a.candidates("\ud800"), "question: holds a lone surrogate"),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_the_api_refuses_bad_text_with_a_typed_error_naming_the_field(shipped, case):
    call, message = API_CASES[case]
    with pytest.raises(InvalidTextError) as refused:
        call(shipped)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_an_unknown_outlet_is_named_with_the_known_ones_and_one_outlet_may_be_a_string(shipped):
    """The probe: a misspelt outlet, or `sources` as a string, answered "the articles do not answer"."""
    with pytest.raises(InvalidRequestError) as refused:
        shipped.ask(GRANADA, sources=["Franse24"])
    message = str(refused.value)
    assert message.startswith("sources: no outlet named 'Franse24' in these articles; did you mean 'France24'?")
    assert "Known outlets: France24, " in message and "The Kyiv Independent" in message
    with pytest.raises(InvalidRequestError, match="sources: no outlet named 'Franse24'"):
        shipped.ask(GRANADA, sources="Franse24")
    only = shipped.ask("What summit did Russia propose?", sources="france24")  # one name, any case
    assert only.quotes and {q.source for q in only.quotes} == {"France24"}
    with pytest.raises(InvalidRequestError, match="source: no outlet named 'Nowhere Times' in these articles. Known"):
        shipped.quotes(source="Nowhere Times")
    assert all(f.source == "POLITICO" for f in shipped.quotes(source="politico"))


# --- the command line ----------------------------------------------------------------------------


def _cli_cases(index: str, tmp_path) -> dict:
    fifo = tmp_path / "draft.fifo"
    os.mkfifo(fifo)
    damaged = tmp_path / "damaged.txt"
    damaged.write_bytes("Café".encode() + b" \xe9 broken.")
    folder = tmp_path / "folder"
    folder.mkdir()
    ix = ["--index-dir", index]
    return {
        "surrogate question": (["ask", f"Why {SURROGATE} Granada?", *ix], None, "question: holds a lone surrogate"),
        "empty question": (["ask", "  ", *ix], None, "question: empty"),
        "k zero": (["ask", GRANADA, "-k", "0", *ix], None, "k: 0 is outside 1..50"),
        "k too many": (["ask", GRANADA, "-k", "51", *ix], None, "k: 51 is outside 1..50"),
        "unknown outlet": (["ask", GRANADA, "--source", "Franse24", *ix], None, "did you mean 'France24'?"),
        "long question": (["ask", "why " * 400, *ix], None, "question: too long"),
        "no index": (["ask", GRANADA, "--index-dir", str(tmp_path / "none")], None, "no index at"),
        "surrogate topic": (["quotes", f"talks {SURROGATE}", *ix], None, "topic: holds a lone surrogate"),
        "surrogate speaker": (["quotes", "--speaker", SURROGATE, *ix], None, "speaker: holds a lone surrogate"),
        "bad since": (["quotes", "--since", "2023-13-01", *ix], None, "since: '2023-13-01' is not a date"),
        "swapped dates": (["quotes", "--since", "2023-11-01", "--until", "2023-10-01", *ix], None, "swap them"),
        "unknown quote outlet": (["quotes", "--source", "Nowhere", *ix], None, "source: no outlet named 'Nowhere'"),
        "n zero": (["quotes", "-n", "0", *ix], None, "n: 0 is outside 1..200"),
        "unknown timeline outlet": (
            ["timeline", "--source", "Nowhere", *ix],
            None,
            "source: no outlet named 'Nowhere'",
        ),
        "surrogate timeline topic": (["timeline", SURROGATE, *ix], None, "topic: holds a lone surrogate"),
        "draft FIFO": (
            ["support", str(fifo), *ix],
            None,
            "draft.fifo: is not a regular file (a FIFO, socket or device)",
        ),
        "draft missing": (["support", str(tmp_path / "nope.txt"), *ix], None, "nope.txt: no such file"),
        "draft folder": (["support", str(folder), *ix], None, "folder: is a folder"),
        "draft damaged": (["support", str(damaged), *ix], None, "damaged.txt:1: not valid UTF-8 (byte 0xe9"),
        "draft empty stdin": (["support", "-", *ix], "   \n", "draft: empty"),
        "draft bad stdin": (
            ["support", "-", *ix],
            "Caf\xc3\xa9 \xe9".encode("latin-1"),
            "standard input:1: not valid UTF-8",
        ),
        "remove unknown": (["remove", "nope.txt", *ix], None, "not in the index at"),
        "remove surrogate": (["remove", f"a{SURROGATE}.txt", *ix], None, "not in the index at"),
        "bad port": (["serve", "--port", "99999"], None, "port: 99999 is outside 0..65535"),
        "bad proxies": (["serve", "--forwarded-allow-ips", "proxy.local"], None, "trusted_proxies: 'proxy.local'"),
        "password file missing": (["serve", "--password-file", str(tmp_path / "pw.txt")], None, "pw.txt: no such file"),
        "password file FIFO": (["serve", "--password-file", str(fifo)], None, "is not a regular file"),
        "bad chunk tokens": (
            ["index", str(folder), "--chunk-tokens", "5", "--index-dir", str(tmp_path / "x")],
            None,
            "chunk_tokens: 5 is outside",
        ),
        "replace on ray": (["index", str(folder), "--ray", "auto", "--replace", "a.txt"], None, "--replace works"),
    }


def test_bad_command_lines_are_one_line_each_never_a_traceback(shipped_index_dir, tmp_path):
    cases = _cli_cases(str(shipped_index_dir), tmp_path)
    assert len(cases) >= 27
    runner = CliRunner()
    for name, (args, stdin, message) in cases.items():
        result = runner.invoke(cli, args, input=stdin)
        out = result.output
        assert result.exit_code in (1, 2), (name, result.exit_code, out, result.exception)
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (name, out)
        assert "Traceback" not in out and message in out, (name, out)
        lines = [line for line in out.strip().splitlines() if line.strip()]
        assert lines[-1].startswith("Error:") and message in lines[-1], (name, out)
        if result.exit_code == 1:  # not a usage error (those show click's usage lines first)
            assert len(lines) == 1, (name, out)


def test_qa_chat_says_which_question_is_not_text_and_goes_on(shipped_index_dir):
    lines = f"Why {SURROGATE} Granada?\n{GRANADA}\n".encode("utf-8", "surrogateescape")
    run = subprocess.run(
        [sys.executable, "-m", "qa.cli", "chat", "--index-dir", str(shipped_index_dir)],
        input=lines,
        capture_output=True,
    )
    err, out = run.stderr.decode(), run.stdout.decode()
    assert run.returncode == 0, err
    assert "Error: question: holds a lone surrogate (\\udcff) at character 5" in err and "Traceback" not in err
    assert "destructive position" in out  # the next question was answered


def test_bytes_that_are_not_utf8_in_an_argument_are_refused_in_one_line(shipped_index_dir):
    """A real argv with the byte 0xff (as a shell passes it), not a str made by the test."""
    run = subprocess.run(
        [sys.executable, "-m", "qa.cli", "ask", b"Why \xff Granada?", "--index-dir", str(shipped_index_dir)],
        capture_output=True,
    )
    err = run.stderr.decode()
    assert run.returncode == 1 and err.strip() == (
        "Error: question: holds a lone surrogate (\\udcff) at character 5, "
        "which is not text (bytes that are not UTF-8, or half of an escaped "
        "pair); type it again or send it as UTF-8"
    )


# --- HTTP ----------------------------------------------------------------------------------------


def _call(url: str, name: str, data) -> tuple[str, dict | list | None]:
    """POST /gradio_api/call/<name> as a script would, then read its event: ("error" or "complete", payload)."""
    posted = httpx.post(
        f"{url}gradio_api/call/{name}",
        content=json.dumps({"data": data}),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert posted.status_code == 200, posted.text
    reply = httpx.get(f"{url}gradio_api/call/{name}/{posted.json()['event_id']}", timeout=300).text
    event = reply.split("event: ")[-1].split("\n", 1)[0]
    return event, json.loads(reply.split("data: ")[-1])


def _join(url: str, fn_index: int, data: list) -> dict:
    """A private page event called by hand (fn_index), as a script poking the queue would."""
    session = uuid.uuid4().hex[:10]
    body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None})
    joined = httpx.post(f"{url}gradio_api/queue/join", content=body, headers={"content-type": "application/json"})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", f"{url}gradio_api/queue/data?session_hash={session}", timeout=300) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and '"process_completed"' in line:
                return json.loads(line[5:])["output"]
    raise AssertionError("no reply")


HTTP_CASES = [  # (endpoint, values sent, what the one-line error must say)
    ("ask", [], "question: missing"),
    ("ask", [None], "question: missing"),
    ("ask", [5], "question: expected the question as text, got a number"),
    ("ask", [5.5], "question: expected the question as text, got a number"),
    ("ask", [True], "question: expected the question as text, got true/false"),
    ("ask", [["Granada?"]], "question: expected the question as text, got a list"),
    ("ask", [{"q": 1}], "question: expected the question as text, got an object"),
    ("ask", ["\ud800"], "question: holds a lone surrogate (\\ud800)"),
    ("ask", ["Why \udfff Granada?"], "question: holds a lone surrogate (\\udfff) at character 5"),
    ("ask", ["a\u0000b"], "question: holds a control character (U+0000)"),
    ("ask", ["   "], "question: empty"),
    ("ask", ["x" * 1001], "question: too long"),
    ("ask", [GRANADA, "five"], "k: 'five' is not a whole number"),
    ("ask", [GRANADA, 0], "k: 0 is outside 1..50"),
    ("ask", [GRANADA, 2.5], "k: 2.5 is not a whole number"),
    ("ask", [GRANADA, [1]], "k: [1] is not a whole number"),
    ("ask", [GRANADA, True], "k: True is not a whole number"),
    ("ask", [GRANADA, 5, 5], "sources: expected a list of names, got a number"),
    ("ask", [GRANADA, 5, ["Franse24"]], "sources: no outlet named 'Franse24'"),
    ("ask", [GRANADA, 5, "Franse24"], "sources: no outlet named 'Franse24'"),
    ("ask", [GRANADA, 5, ["\ud800"]], "sources[0]: holds a lone surrogate"),
    ("ask", [GRANADA, 5, [FILE_REF]], "sources: holds a file reference ('/etc/passwd')"),
    ("ask", [GRANADA, 5, None, 20231004], "date_from: expected a date as text (YYYY-MM-DD), got a number"),
    ("ask", [GRANADA, 5, None, "last week"], "date_from: 'last week' is not a date"),
    ("ask", [GRANADA, 5, None, "", ["2023-10-01"]], "date_to: expected a date as text (YYYY-MM-DD), got a list"),
    ("ask", [GRANADA, 5, None, "2023-11-01", "2023-10-01"], "is after date_to"),
    ("ask", [GRANADA, 5, None, "", "", "not a list"], "history: give a list of earlier turns"),
    ("ask", [GRANADA, 5, None, "", "", [5]], "history[0]: int is not a turn"),
    ("ask", [GRANADA, 5, None, "", "", ["\udfff"]], "history[0]: holds a lone surrogate"),
    ("ask", [GRANADA, 5, None, "", "", [{"question": 5}]], "history[0].question: expected text, got a number"),
    ("ask", [GRANADA, 5, None, "", "", [FILE_REF]], "history: holds a file reference ('/etc/passwd')"),
    ("ask", [GRANADA, 5, None, "", "", ["q"] * 101], "history: 101 turns"),
    ("support", [], "text: missing"),
    ("support", [None], "text: missing"),
    ("support", [5], "text: expected the draft as text, got a number"),
    ("support", [["a draft"]], "text: expected the draft as text, got a list"),
    ("support", ["\ud800"], "text: holds a lone surrogate"),
    ("support", ["The talks \u0007 were held."], "text: holds a control character (U+0007)"),
    ("support", ["  "], "draft: empty"),
    ("support", ["Word. " * 5000], "draft: too long"),
    ("support", ["The talks were held.", "two"], "k: 'two' is not a whole number"),
    ("support", ["The talks were held.", 99], "k: 99 is outside 1..50"),
]


@pytest.fixture(scope="module")
def http_app(shipped_index_dir, tmp_path_factory):
    with running_app(shipped_index_dir, tmp_path_factory.mktemp("hostile_http")) as running:
        yield running


def test_bad_http_requests_get_one_line_naming_the_field_and_no_traceback(http_app, capfd):
    url, _service = http_app
    assert len(HTTP_CASES) >= 42
    for name, data, message in HTTP_CASES:
        event, payload = _call(url, name, data)
        assert event == "error", (name, data, payload)
        error = payload["error"]
        assert error is not None and message in error and "\n" not in error, (name, data, error)
    # the private page events, called by hand with values of the wrong kind
    config = httpx.get(url + "config").json()
    fn = {d.get("api_name"): i for i, d in enumerate(config["dependencies"])}
    assert _join(url, fn["on_upload"], [5, 5])["error"] == "paths: not a value this field takes (ValidationError)"
    assert _join(url, fn["on_ask"], ["q", 5, 5, "", "", [], None])["error"].startswith(
        "sources: Value: 5 is not in the list of choices"
    )
    asked = _join(url, fn["on_ask"], ["Why \udfff?", 5, [], "", "", [], None])  # the page shows the API's sentence
    assert "holds a lone surrogate" in json.dumps(asked["data"])
    assert _join(url, fn["on_search"], [[1], None])["data"]  # a topic of the wrong kind is a notice too
    captured = capfd.readouterr()
    assert "Traceback" not in captured.out + captured.err


def test_good_requests_still_answer(http_app):
    url, _service = http_app
    event, payload = _call(url, "ask", [GRANADA, 2])
    assert event == "complete" and payload[0]["quotes"]
    event, payload = _call(url, "ask", [GRANADA, 2, "France24"])  # one outlet as a string
    assert event == "complete" and all(q["source"] == "France24" for q in payload[0]["quotes"])
