"""The package version, apart from `qa/__init__` so that low modules can record it without a cycle."""

__version__ = "0.1.0"
