"""Seeded random streams. All randomness flows from (run seed, scene index, stage name)."""

from __future__ import annotations

import zlib

import numpy as np


def _key(name: str) -> int:
    return zlib.crc32(name.encode("utf-8"))


def scene_seed(run_seed: int, scene_index: int, attempt: int = 0) -> int:
    """The seed of one scene (and of its retry `attempt`), a 63-bit integer derived from the run seed.

    Python's hash() is salted per process, so it is never used here.
    """
    ss = np.random.SeedSequence(int(run_seed), spawn_key=(int(scene_index), int(attempt), _key("scene")))
    lo, hi = (int(v) for v in ss.generate_state(2, dtype=np.uint32))
    return (lo | (hi << 32)) & ((1 << 63) - 1)


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """One independent generator per (scene seed, stage name)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(_key(stage),)))
