# The two entry points of the README. Both set up .venv/ first (quick when nothing changed).
PY := .venv/bin/python

.PHONY: app test setup setup-test

app: setup
	$(PY) app.py

test: setup-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

setup:
	bash scripts/setup.sh

setup-test:
	bash scripts/setup.sh --test
