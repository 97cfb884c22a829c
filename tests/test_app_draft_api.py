"""The /support endpoint of the running app (gradio_client), over a copy of the shipped index."""

from __future__ import annotations

import pytest

from .test_app_api import running_app
from .test_drafts import INVENTED, SUPPORTED


@pytest.fixture(scope="module")
def client(shipped_index_dir, tmp_path_factory):
    from gradio_client import Client

    with running_app(shipped_index_dir, tmp_path_factory.mktemp("app_draft_api")) as (url, service):
        yield Client(url, verbose=False), service


def test_api_support_returns_the_record(client):
    client, service = client
    draft = f"{SUPPORTED[2][0]} {INVENTED[3]}"
    record = client.predict(draft, api_name="/support")
    assert [s["supported"] for s in record["sentences"]] == [True, False]
    assert record["sentences"][1]["verdict"] == "no support in these articles"
    assert record["annotated"].startswith(SUPPORTED[2][0] + " [1]")
    docs = service.documents()
    assert record["sources"]
    for q in record["sources"]:
        assert docs[q["doc_id"]].text[q["start"] : q["end"]] == q["text"]
        assert q["url_safe"] is False or q["url"].startswith(("http://", "https://"))


@pytest.mark.parametrize(("args", "message"), [(("  ",), "draft: empty"), ((SUPPORTED[0][0], 0), "k: 0 is outside")])
def test_api_support_refuses_bad_input_in_one_line(client, args, message):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message) as refused:
        client[0].predict(*args, api_name="/support")
    assert "\n" not in str(refused.value).strip()
