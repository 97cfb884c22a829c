"""The named configurations `qa eval --config` compares. Light on purpose: the CLI imports it to
list the names in its help, so nothing here may pull in a model or an index."""

from __future__ import annotations

from typing import Iterable

from ..errors import ConfigError

# NAME -> Config overrides. "hybrid" is the default configuration.
CONFIGS: dict[str, dict] = {
    "hybrid": {"retrieval": "hybrid"},
    "dense": {"retrieval": "dense"},
    "bm25": {"retrieval": "bm25"},
    "hybrid-rrf": {"retrieval": "hybrid", "fusion": "rrf"},
    # never abstain: measures how good the best quotes are when the threshold is out of the way
    "no-abstain": {"retrieval": "hybrid", "min_score": float("-inf")},
}
DEFAULT_CONFIG = "hybrid"


def resolve_configs(names: Iterable[str] | None) -> list[str]:
    """Validated configuration names (commas split, repeats dropped); ConfigError lists the valid ones."""
    out: list[str] = []
    for raw in names or ():
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            if name not in CONFIGS:
                raise ConfigError(f"--config: unknown configuration {name!r}; choose from {', '.join(CONFIGS)}")
            if name not in out:
                out.append(name)
    return out or [DEFAULT_CONFIG]


def configured(assistant, names: Iterable[str]) -> dict:
    """One answerer per named configuration, all sharing the assistant's loaded index and model."""
    return {name: assistant.with_config(**CONFIGS[name]) for name in resolve_configs(names)}
