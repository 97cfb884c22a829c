"""MinHash signatures of shingle sets: datasketch 2.0's `MinHash` ("affine32" scheme), written out.

Why not import datasketch: the deduper uses only the signature, yet `import datasketch` runs the
package's `__init__`, which imports its LSH modules and, through them, scipy.integrate. That costs
0.3-1.2 s on the 2-core machine, a large share of the 2 s budget for re-indexing after one document
changed (issue #13). The scheme is short and fixed, so it is spelled out here with numpy, and
`tests/test_dedupe.py` checks the signatures equal datasketch's own, value for value. A side effect
is that signatures no longer depend on which datasketch is installed (1.x used another scheme).
"""

from __future__ import annotations

import hashlib
from typing import Iterable

import numpy as np

# MurmurHash3's 32-bit finaliser (shifts and multipliers), which datasketch applies to each SHA-1
# derived value before the affine permutations so that similar inputs spread over the whole range.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_MAX = np.uint32(0xFFFFFFFF)


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps h -> a*h + b (mod 2^32) of datasketch's affine32 scheme: odd a, so each is a
    bijection; drawn from numpy's legacy RandomState exactly as datasketch draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _sha1_32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")


def _fmix(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def signature(shingles: Iterable[bytes], perms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The MinHash signature (uint32, one value per permutation) of a set of byte strings; all
    values are the maximum when the set is empty, as in datasketch."""
    a, b = perms
    hashes = [_sha1_32(s) for s in shingles]
    if not hashes:
        return np.full(len(a), _MAX, dtype=np.uint32)
    hv = _fmix(np.array(hashes, dtype=np.uint32).reshape(-1, 1))
    with np.errstate(over="ignore"):  # arithmetic mod 2^32 is the point
        return (hv * a + b).min(axis=0)
