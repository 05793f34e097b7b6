"""Every requester's kept state, when requesters are kept apart (:mod:`mockturk.requesters`).

The first requester's state is the data dir's own; each other requester has a data dir of its
own under ``requesters/``, named by the hex of its name (any name is then a safe file name, on
any file system). A requester made while the server runs is kept from its first change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mockturk.account import Account
from mockturk.durable.data_dir import DataDir, DataDirError
from mockturk.durable.keeper import Keeper, take_up
from mockturk.requesters import PER_KEY, Requesters

OTHERS = "requesters"


def keep_every_requester(
    requesters: Requesters, root: Path, *, sync: str = "normal", reset: bool = False
) -> None:
    """Take up each other requester's kept state, and keep every requester made from now on.
    With ``reset`` (``--reset-data``), theirs is discarded first. DataDirError when the data
    dir keeps other requesters but the server does not keep requesters apart."""
    others = root / OTHERS
    if reset:
        shutil.rmtree(others, ignore_errors=True)
    kept = kept_requesters(others)
    if not requesters.isolated:
        if kept:
            raise DataDirError(
                f"{root}: keeps the state of {len(kept)} more requester(s); serve with "
                f"--requesters {PER_KEY} to take them up, or add --reset-data to discard them."
            )
        return
    for name, path in kept:
        take_up(requesters.named(name), DataDir.open(path, sync=sync), clock=False)

    def keep(name: str, account: Account) -> None:
        Keeper(account, DataDir.open(others / _dir_name(name), sync=sync)).start(seed=True)

    requesters.added.append(keep)


def kept_requesters(others: Path) -> list[tuple[str, Path]]:
    """The requesters with a data dir under ``others``, and where, in the order of their names."""
    if not others.is_dir():
        return []
    found = []
    for path in others.iterdir():
        try:
            found.append((bytes.fromhex(path.name).decode(), path))
        except (ValueError, UnicodeDecodeError):
            continue  # not one of ours
    return sorted(found)


def _dir_name(name: str) -> str:
    return name.encode().hex()
