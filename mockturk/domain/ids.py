"""IDs of the real service's shape: 30 characters of upper-case letters and digits.

HITs, HIT types, groups and assignments had 30-character IDs of ``[0-9A-Z]``, HITs and types
starting with "3" (``3XYBQ44Z6P472XXYNEGTT0021N3WT5``). New IDs come from a counter and a
per-account seed, so they are unique within the account, never look sequential, and an
account restored from an export goes on issuing new ones.
"""

from __future__ import annotations

import functools
import hashlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LENGTH = 30


def _encoded(number: int, first: str) -> str:
    chars = [first]
    for _ in range(LENGTH - 1):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


@functools.lru_cache(maxsize=65536)  # HITs of one type share it: computed once per type
def derived_id(kind: str, seed: str) -> str:
    """A stable ID from a seed: the same seed always gives the same ID."""
    number = int.from_bytes(hashlib.sha256(f"{kind}:{seed}".encode()).digest(), "big")
    return _encoded(number, "3")


def new_id(kind: str, seed: str, serial: int) -> str:
    """The ``serial``-th new ID of an account whose seed is ``seed``."""
    number = int.from_bytes(hashlib.sha256(f"{kind}:{seed}:{serial}".encode()).digest(), "big")
    return _encoded(number, "3")
