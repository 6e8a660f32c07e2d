"""Philox4x32-10 and the seedgrid gaussian noise contract, in numpy.

Written from the Random123 paper (Salmon et al., SC'11) and the contract in kernels/philox.hpp, not
from our C++: the reference must reproduce the noise bit for bit to be a witness for it.

    key     = (uint32(seed), uint32(seed >> 32))
    element e = counter_base + i;  block = e // 4;  lane = e % 4
    counter = (uint32(block), uint32(block >> 32), stream, 0)
    (x0, x1, x2, x3) = philox4x32_10(counter, key)
    u(x)    = ((x >> 8) + 0.5) * 2**-24
    lanes 0, 1 from (x0, x1) and lanes 2, 3 from (x2, x3), with ua = u(first), ub = u(second):
      r = sqrt(-2 log ua), theta = 2 pi ub       (double precision)
      even lane = float32(r cos theta), odd lane = float32(r sin theta)

The transcendental functions come from Python's math module (the C library's libm, like std::log
in C++), not from numpy's vectorised loops, whose SIMD variants may differ in the last bit.
"""
import math

import numpy as np

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(counter, key):
    """counter: 4 uint32 arrays (broadcastable); key: 2 uint32 values. Returns 4 uint32 arrays."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint32) for c in counter)
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    with np.errstate(over="ignore"):
        for r in range(10):
            if r > 0:
                k0 = np.uint32(k0 + _W0)
                k1 = np.uint32(k1 + _W1)
            p0 = c0.astype(np.uint64) * _M0
            p1 = c2.astype(np.uint64) * _M1
            hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & _MASK32).astype(np.uint32)
            hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & _MASK32).astype(np.uint32)
            c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


def _uniform(x):
    return ((x >> 8) + 0.5) * (2.0 ** -24)


def gaussian_noise(numel, seed, stream, counter_base=0):
    """float32 array of `numel` standard normal values, element i = f(seed, stream, counter_base + i)."""
    first = counter_base // 4
    last = (counter_base + numel + 3) // 4
    blocks = np.arange(first, last, dtype=np.uint64)
    key = (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
    lo = (blocks & _MASK32).astype(np.uint32)
    hi = (blocks >> np.uint64(32)).astype(np.uint32)
    stream_arr = np.full(blocks.shape, stream, dtype=np.uint32)
    zero = np.zeros(blocks.shape, dtype=np.uint32)
    x = philox4x32_10((lo, hi, stream_arr, zero), key)
    out = np.empty(blocks.size * 4, dtype=np.float32)
    for pair in range(2):
        ua = [_uniform(int(v)) for v in x[2 * pair]]
        ub = [_uniform(int(v)) for v in x[2 * pair + 1]]
        for b, (a, c) in enumerate(zip(ua, ub)):
            r = math.sqrt(-2.0 * math.log(a))
            theta = 2.0 * math.pi * c
            out[4 * b + 2 * pair] = np.float32(r * math.cos(theta))
            out[4 * b + 2 * pair + 1] = np.float32(r * math.sin(theta))
    skip = counter_base - first * 4
    return out[skip:skip + numel]


def gaussian_noise_tensor(shape, seed, stream, counter_base=0):
    numel = int(np.prod(shape))
    return gaussian_noise(numel, seed, stream, counter_base).reshape(shape)


if __name__ == "__main__":
    # Random123 known-answer vectors (kat_vectors, philox4x32 10 rounds).
    kats = [
        ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
        ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
        ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
         (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
    ]
    for ctr, key, want in kats:
        got = tuple(int(v) for v in philox4x32_10([np.array([c], dtype=np.uint32) for c in ctr], key))
        print("ok " if got == want else "BAD", " ".join(f"{v:08x}" for v in got))
    n = gaussian_noise(100000, 42, 0)
    print("mean", n.mean(), "var", n.var())
