#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The characteristic polynomial of one step of xoshiro256 (lib/rng.c's CHARPOLY, for rng_jump).

A step is linear over GF(2) in the state's 256 bits: s' = A s. The bits that any one state bit takes over
the steps obey A's characteristic polynomial p(x) as a linear recurrence, and for xoshiro256 (whose period
is 2^256 - 1) the shortest recurrence that a nonzero state's bit sequence obeys is p itself, of degree 256.
Berlekamp-Massey finds it from 512 bits of the sequence. Prints p without its x^256 term as four 64-bit
words, lowest first (bit j = the coefficient of x^j), after checking p(A) s = 0 on random states.

Usage: tools/xoshiro-charpoly.py
"""
import random

MASK = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def step(s):
    """xoshiro256's state update (the output function, **, does not change the state)"""
    s0, s1, s2, s3 = s
    t = (s1 << 17) & MASK
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 45)
    return [s0, s1, s2, s3]


def berlekamp_massey(bits):
    """the shortest c (c[0] = 1) with sum over i of c[i] bits[n - i] = 0 for every n >= len(c) - 1"""
    c, b, length, shift = [1], [1], 0, 1
    for n, bit in enumerate(bits):
        d = bit
        for i in range(1, length + 1):
            d ^= c[i] & bits[n - i]
        if d == 0:
            shift += 1
            continue
        old = c[:]
        c = c + [0] * max(0, len(b) + shift - len(c))
        for i, bi in enumerate(b):
            c[i + shift] ^= bi
        if 2 * length <= n:
            length, b, shift = n + 1 - length, old, 1
        else:
            shift += 1
    return c[:length + 1]


def main():
    state = [0x0123456789abcdef, 0xfedcba9876543210, 0x0f0f0f0f0f0f0f0f, 0x1234]
    bits = []
    for _ in range(512):
        bits.append(state[0] & 1)
        state = step(state)
    c = berlekamp_massey(bits)
    degree = len(c) - 1
    assert degree == 256, degree
    p = [c[degree - j] for j in range(degree + 1)]  # p(x) = x^256 c(1/x)
    rnd = random.Random(1)
    for _ in range(8):  # p(A) s = sum over p_j = 1 of A^j s must be 0 for every s
        s = [rnd.getrandbits(64) for _ in range(4)]
        total = [0, 0, 0, 0]
        for j in range(degree + 1):
            if p[j]:
                total = [a ^ b for a, b in zip(total, s)]
            s = step(s)
        assert total == [0, 0, 0, 0]
    low = sum(p[j] << j for j in range(256))
    print(", ".join("0x%016xull" % ((low >> (64 * w)) & MASK) for w in range(4)))


main()
