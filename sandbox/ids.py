"""Deterministic identifiers and random streams.

Every id is a hash of (seed, namespace, number), so an id does not depend on the order in which
the generator happens to draw random numbers: adding a new entity type keeps old ids stable.
Each component draws from its own named random stream for the same reason.
"""

from __future__ import annotations

import hashlib
import random
import uuid

import numpy as np


def stream(seed: int, name: str) -> random.Random:
    # str seeds are hashed with SHA-512 by `random`, independent of PYTHONHASHSEED.
    return random.Random(f"{seed}:{name}")


def np_stream(seed: int, name: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def hex_id(seed: int, namespace: str, number: int, length: int = 32) -> str:
    digest = hashlib.sha256(f"{seed}:{namespace}:{number}".encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def uuid_id(seed: int, namespace: str, number: int) -> str:
    return str(uuid.UUID(hex=hex_id(seed, namespace, number), version=4))


def int_id(seed: int, namespace: str, number: int, low: int, high: int) -> int:
    """A stable pseudo-random int in [low, high); callers add `number` to keep them unique."""
    digest = hashlib.sha256(f"{seed}:{namespace}:{number}".encode()).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low)
