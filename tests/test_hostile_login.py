"""The login under attack (issue 26, item 1): a forged X-Forwarded-For never buys a fresh count, a
guesser with many real addresses meets a cap across all of them, and proxy headers are believed only
from the peers the operator names. Real servers on loopback; many peers are 127.0.0.x addresses."""

from __future__ import annotations

import httpx
import pytest

from qa.config import Config
from qa.errors import ConfigError
from qa.web.auth import GLOBAL_MAX_PER_MINUTE, LoginGuard, LoginPaused, password_check

from .conftest import ROOT
from .test_app_api import running_app
from .test_web_auth import Clock

PASSWORD = "s3cret"


def _guard(**kw) -> tuple[LoginGuard, Clock]:
    clock = Clock()
    return LoginGuard(clock=clock, **kw), clock


def _login(url: str, password: str, *, peer: str = "127.0.0.1", forwarded: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with httpx.Client(transport=httpx.HTTPTransport(local_address=peer)) as client:
        return client.post(url + "login", data={"username": "qa", "password": password}, headers=headers)


def test_wrong_passwords_from_many_clients_pause_every_login_for_a_minute():
    guard, clock = _guard()
    for i in range(GLOBAL_MAX_PER_MINUTE):  # each client stays under its own limit of 5
        assert guard.attempt(f"198.51.100.{i}", lambda: False) is False
    checked = []
    with pytest.raises(LoginPaused) as paused:  # a new client, the right password: refused unchecked
        guard.attempt("203.0.113.9", lambda: checked.append(1) or True)
    assert checked == [] and paused.value.everyone and paused.value.seconds == 60
    assert str(paused.value) == (
        "Too many wrong passwords from many addresses: all logins are paused; try again in 60 seconds."
    )
    clock.now += 60
    assert guard.attempt("203.0.113.9", lambda: True) is True


def test_the_guess_that_reaches_the_cap_says_so_and_is_logged():
    from starlette.exceptions import HTTPException

    guard, _ = _guard(global_max=3)
    logged = []
    check = password_check(PASSWORD, guard, logged.append)
    assert check("qa", "wrong") is False and check("qa", "wrong") is False  # one client (no address): under 5
    with pytest.raises(HTTPException) as refused:
        check("qa", "wrong")
    assert "from many addresses: all logins are paused" in refused.value.detail
    assert logged == ["Login: too many wrong passwords from many addresses; all logins are paused for 60 seconds."]


def test_a_forged_forwarded_address_does_not_escape_the_pause(shipped_index_dir, tmp_path):
    """The probe: after 30 wrong passwords had paused 127.0.0.1, `X-Forwarded-For: 10.9.9.9` and the right
    password logged in at once, and 300 guesses each under a new forwarded address ran unpaused."""
    guard, clock = _guard()
    with running_app(shipped_index_dir, tmp_path, password=PASSWORD, login_guard=guard) as (url, _service):
        replies = [_login(url, "guess", forwarded=f"10.0.0.{i}") for i in range(5)]
        assert [r.status_code for r in replies] == [400] * 5
        assert "from your address: logins from it are paused" in replies[4].json()["detail"]
        forged = _login(url, PASSWORD, forwarded="10.9.9.9")
        assert forged.status_code == 400 and forged.json()["detail"].startswith("Too many wrong passwords from your")
        assert guard.wait("127.0.0.1") > 0 and guard.wait("10.9.9.9") == 0 and guard.wait("10.0.0.1") == 0

        # real addresses (each a loopback peer of its own), 4 wrong each: the cap across them all stops them
        peers = [f"127.0.0.{i}" for i in range(2, 7)]
        said = [_login(url, "guess", peer=peer).json()["detail"] for peer in peers for _ in range(4)]
        assert said[:14] == ["Incorrect credentials."] * 14  # each peer is under its own limit of 5
        # the 20th wrong password in the minute (5 came from 127.0.0.1) pauses every login, and says so
        assert said[14].startswith("Incorrect credentials. Too many wrong passwords from many addresses")
        assert all(d.startswith("Too many wrong passwords from many addresses") for d in said[15:])
        refused = _login(url, PASSWORD, peer="127.0.0.9")
        assert refused.status_code == 400 and "all logins are paused" in refused.json()["detail"]
        assert refused.headers["retry-after"] == "60"
        clock.now += 60
        assert _login(url, PASSWORD, peer="127.0.0.9").status_code == 200


def test_a_trusted_proxy_s_forwarded_address_is_the_client(shipped_index_dir, tmp_path):
    """Behind a reverse proxy the operator names, each forwarded client has a count of its own."""
    guard, _ = _guard()
    with running_app(
        shipped_index_dir, tmp_path, password=PASSWORD, login_guard=guard, trusted_proxies="127.0.0.1"
    ) as (url, _service):
        for _ in range(5):
            _login(url, "guess", forwarded="192.0.2.10")
        assert guard.wait("192.0.2.10") == 30 and guard.wait("127.0.0.1") == 0
        assert _login(url, PASSWORD, forwarded="192.0.2.11").status_code == 200  # another client of the proxy
        # a peer the operator did not name is its own client, whatever it forwards
        for _ in range(5):
            _login(url, "guess", peer="127.0.0.3", forwarded="192.0.2.12")
        assert guard.wait("127.0.0.3") == 30 and guard.wait("192.0.2.12") == 0


def test_trusted_proxies_are_checked_and_read_from_the_environment_and_the_flag(monkeypatch):
    from click.testing import CliRunner

    import qa.web
    from qa.cli import cli

    assert Config().serve.trusted_proxies == ""  # off by default
    assert (
        Config.from_env({"QA_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16"}).serve.trusted_proxies
        == "10.0.0.1, 10.1.0.0/16"
    )
    with pytest.raises(ConfigError, match="trusted_proxies: 'proxy.local' is no IP address or network"):
        Config().replace(trusted_proxies="proxy.local")
    seen = {}
    monkeypatch.setattr(qa.web, "serve", lambda config: seen.__setitem__("config", config))
    result = CliRunner().invoke(cli, ["serve", "--forwarded-allow-ips", "127.0.0.1"])
    assert result.exit_code == 0, result.output
    assert seen["config"].serve.trusted_proxies == "127.0.0.1"
    assert "X-Forwarded-For" in CliRunner().invoke(cli, ["serve", "--help"]).output


def test_the_readme_says_what_the_server_believes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "every client shares the proxy's address" not in readme  # what it wrongly said before
    assert "QA_TRUSTED_PROXIES" in readme and "X-Forwarded-For" in readme
    security = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert "QA_TRUSTED_PROXIES" in security and str(GLOBAL_MAX_PER_MINUTE) in security
