import pytest

from qa.config import Config
from qa.errors import ConfigError


def test_defaults_env_and_flags_in_that_order():
    cfg = Config.from_env(
        {"QA_QUOTES": "7", "QA_RETRIEVAL": "bm25", "QA_INDEX_DIR": "indexes/x"}, quotes=3, index_dir=None
    )
    assert cfg.quotes == 3  # flag beats environment
    assert cfg.retrieval == "bm25"  # environment beats default
    assert cfg.index_dir == "indexes/x"  # a None flag does not override
    assert Config().serve.host == "127.0.0.1"


def test_serving_settings_live_apart_but_set_the_same_way():
    cfg = Config.from_env({"QA_PORT": "8000", "QA_PASSWORD": "pw"}, host="0.0.0.0")
    assert (cfg.serve.host, cfg.serve.port, cfg.serve.password) == ("0.0.0.0", 8000, "pw")
    assert cfg.replace(max_upload_mb=3).serve.max_upload_mb == 3
    assert not hasattr(cfg, "host")


def test_bad_values_list_the_choices():
    with pytest.raises(ConfigError, match="dense, bm25, hybrid"):
        Config(retrieval="magic")
    with pytest.raises(ConfigError, match="QA_QUOTES"):
        Config.from_env({"QA_QUOTES": "many"})
    with pytest.raises(ConfigError, match="256"):
        Config(chunk_tokens=1000)
    with pytest.raises(ConfigError, match="unknown setting"):
        Config().replace(colour="blue")


def test_config_is_frozen():
    from dataclasses import FrozenInstanceError

    with pytest.raises(FrozenInstanceError):
        Config().quotes = 2
    with pytest.raises(FrozenInstanceError):
        Config().serve.port = 1
