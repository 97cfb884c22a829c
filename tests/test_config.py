import pytest

from qa.config import Config
from qa.errors import ConfigError


def test_defaults_env_and_flags_in_that_order():
    cfg = Config.from_env({"QA_QUOTES": "7", "QA_RETRIEVAL": "bm25", "QA_INDEX_DIR": "/tmp/x"}, quotes=3, index_dir=None)
    assert cfg.quotes == 3  # flag beats environment
    assert cfg.retrieval == "bm25"  # environment beats default
    assert cfg.index_dir == "/tmp/x"  # a None flag does not override
    assert Config().host == "127.0.0.1"


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
    with pytest.raises(Exception):
        Config().quotes = 2
