#!/usr/bin/env bash
# Sets up .venv/ with the CPU build of torch and this package. Idempotent and quick when nothing changed.
#   scripts/setup.sh          the app and the CLI
#   scripts/setup.sh --test   also the test tools, the Milvus and Ray extras, and Debian's chromium for the browser tests
# Both export the embedding model to int8 ONNX into the user's cache once, so a first question never waits for it,
# and byte-compile qa/ (qa/bytecode.py), so no start of `qa` compiles it.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

stamp=".venv/.qa-setup-$want_test-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    # The CPU build of torch first: with it in place, nothing later pulls a multi-GB CUDA build.
    if ! .venv/bin/python -c "import torch" 2>/dev/null; then
        echo "==> installing torch (CPU build)"
        "${PIP[@]}" install -q "torch==${QA_TORCH_VERSION:-2.13.0}"
    fi
    echo "==> installing qa and its dependencies"
    if [ "$want_test" = 1 ]; then
        # the contract and Ray tests run in CI too: the optional backends are test dependencies
        "${PIP[@]}" install -q -e ".[test,milvus,ray]"
    else
        "${PIP[@]}" install -q -e .
    fi
    rm -f .venv/.qa-setup-"$want_test"-*
    touch "$stamp"
fi

# outside the stamp: the cache may have been emptied since (quick and silent when the export is there)
.venv/bin/python -m qa.onnx_embed
# outside the stamp too: every start of `qa` reads qa/'s compiled modules from __pycache__/ instead of
# compiling them, even where PYTHONDONTWRITEBYTECODE stops Python from writing them (quick when current)
.venv/bin/python -m qa.bytecode

if [ "$want_test" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's chromium for the browser tests"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
