"""qa/alloc.py: with glibc's mmap threshold fixed, a large block goes back to the system when freed."""

import subprocess
import sys

import pytest

# Frees a 16 MB block (which raises glibc's default threshold to 16 MB), then allocates and frees a
# second one: by default the second comes from the heap and stays resident; fixed, it is unmapped.
_CHILD = """
import sys
import numpy as np
from qa.alloc import return_large_blocks

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

if sys.argv[1] == "fixed":
    assert return_large_blocks()
block = np.ones(16 * 2**20 // 8)
del block
before = rss_mb()
block = np.ones(16 * 2**20 // 8)
del block
print(rss_mb() - before)
"""


def _kept_mb(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", _CHILD, mode], capture_output=True, text=True, check=True)
    return float(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_freed_large_block_leaves_resident_memory_only_by_default():
    assert _kept_mb("default") > 12  # the control: glibc's own behaviour keeps it
    assert _kept_mb("fixed") < 4


def test_a_users_own_setting_wins(monkeypatch):
    from qa.alloc import return_large_blocks

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert return_large_blocks() is False
