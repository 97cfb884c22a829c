"""glibc's allocator, told to give large blocks back to the system as soon as they are freed.

Embedding a corpus makes torch allocate and free activation tensors of many sizes (a batch of 32
sentences of 20 tokens, then one of 32 texts of 256). glibc's default raises its mmap threshold to
the largest block freed so far (up to 32 MB), so after the first long batch every tensor below that
comes from the heap, which fragments and is rarely trimmed: a build's resident memory then climbs in
steps as longer batches come by (measured in docs/benchmarks.md, "Memory of `qa index`"). With the threshold
fixed, blocks of BIG_BLOCK or more are mapped and unmapped each time, and the heap only holds the
small ones (fixing the threshold also stops glibc raising its trim threshold, so the heap's free top
goes back too). Linux with glibc only; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt parameter numbers, from glibc's malloc.h.
_M_MMAP_THRESHOLD = -3
# Blocks of at least this size are mapped on their own and returned to the system when freed. A
# hidden-state tensor of a batch of 32 texts of 128 tokens is 6 MB and its attention scores 25 MB,
# so these go; the many small tensors of short sentences stay on the heap, where they are cheap.
# 128 KB (glibc's starting value) measured a third slower; 4 MB costs little (docs/benchmarks.md).
BIG_BLOCK = 4 * 1024 * 1024
# The settings a user gives glibc in these variables win over ours.
_USER_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold for this process (see the module's note). True when
    they were set; False on another C library or platform, or when the user set them already."""
    if not sys.platform.startswith("linux") or any(v in os.environ for v in _USER_VARIABLES):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, BIG_BLOCK))
