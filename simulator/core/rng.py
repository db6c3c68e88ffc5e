"""Randomness and identity of a run: one generator per run from the root seed, never global."""

from __future__ import annotations

import zlib
from importlib.metadata import PackageNotFoundError, version

import numpy as np


def smogsim_version() -> str:
    try:
        return version("smogsim")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def make_rng(seed: int, run_key: str) -> np.random.Generator:
    """One generator per run, from the root seed and a stable key (never global seeding)."""
    key = zlib.crc32(run_key.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def child_rng(rng: np.random.Generator, name: str) -> np.random.Generator:
    """A generator derived from ``rng``'s seed sequence and ``name``, not from its state.

    The child is the same whatever was drawn from ``rng`` before, and drawing from it leaves
    ``rng`` untouched.
    """
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError(f"child_rng: expected a generator seeded by a SeedSequence, got {seq!r}")
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, key), pool_size=seq.pool_size))
