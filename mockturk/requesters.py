"""The requesters one server answers for, and which of them a caller is.

By default every caller is one requester: one :class:`~mockturk.account.Account`, whatever
its credentials, so nothing needs setting up. Isolated (``--requesters per-key``), each access
key is a requester of its own, with its own HITs, HIT types, qualification types, blocks,
balance and notification settings; a key from a credentials file belongs to the requester its
section names. Workers are shared, as on MTurk: one worker does HITs of every requester, and
the work they did for any of them counts in their statistics.

The first requester is the one the start-up fixtures belong to: the requester of the first
access key (``mock`` when none is configured, the key mockturk's own clients sign with).
Others are made on first use, empty, with the starting balance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from mockturk.account import Account
from mockturk.state.store import Store

ONE, PER_KEY = "one", "per-key"
MODES = (ONE, PER_KEY)
FIRST_REQUESTER = "mock"

# Chosen: how many requesters one server holds, and how long a name may be. Without signature
# checks any access key ID makes a requester, so this bounds what callers can make it keep.
MAX_REQUESTERS = 1000
MAX_NAME_LENGTH = 128


class UnknownRequester(Exception):
    """A requester name the control plane was given that cannot be one."""


class Requesters:
    """Every account of one server. ``make(name)`` makes the account of a requester new to it;
    ``keys`` names the requester of each configured access key ID (by default the key ID)."""

    def __init__(
        self,
        first: Account,
        *,
        mode: str = ONE,
        first_name: str = FIRST_REQUESTER,
        keys: Mapping[str, str] | None = None,
        make: Callable[[str], Account] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"requesters: {mode!r} is not one of {', '.join(MODES)}")
        self.first = first
        self.isolated = mode == PER_KEY
        self.first_name = first_name
        self.keys = dict(keys or {})
        self._make = make
        self._accounts: dict[str, Account] = {first_name: first}
        # Told of every requester made after the first (a data dir keeps each one).
        self.added: list[Callable[[str, Account], None]] = []
        self._link(first.store)

    # --- Who is calling -------------------------------------------------------------------------

    def of_key(self, access_key_id: str | None) -> Account:
        """The account of a caller signing with ``access_key_id`` (None: an unsigned request,
        which is the first requester's). UnknownRequester for a key that cannot be one."""
        if not self.isolated or access_key_id is None:
            return self.first
        name = self.keys.get(access_key_id, access_key_id)
        found = self._accounts.get(name)
        return found if found is not None else self.named(name)

    def named(self, name: str) -> Account:
        """The account of the requester called ``name``, made if it is new (isolated only)."""
        found = self._accounts.get(name)
        if found is not None:
            return found
        if not self.isolated:
            raise UnknownRequester(
                f"requester {name[:MAX_NAME_LENGTH]!r}: every caller is one requester here "
                f"(serve with --requesters {PER_KEY} to keep requesters apart)."
            )
        problem = name_problem(name)
        if problem is None and len(self._accounts) >= MAX_REQUESTERS:
            problem = f"this server holds {MAX_REQUESTERS} requesters, the most it keeps"
        if problem is not None or self._make is None:
            raise UnknownRequester(f"requester {name[:MAX_NAME_LENGTH]!r}: {problem}.")
        account = self._make(name)
        self._accounts[name] = account
        self._link(account.store)
        try:
            for told in self.added:
                told(name, account)
        except BaseException:
            del self._accounts[name]  # not made, as it could not be kept
            raise
        return account

    # --- All of them ------------------------------------------------------------------------------

    def name_of(self, account: Account) -> str:
        return next(name for name, held in self._accounts.items() if held is account)

    def __contains__(self, name: object) -> bool:
        return name in self._accounts

    def __iter__(self) -> Iterator[Account]:
        return iter(list(self._accounts.values()))

    def items(self) -> list[tuple[str, Account]]:
        return list(self._accounts.items())

    def holding_hit(self, hit_id: str) -> Account:
        """The account holding the HIT (Disposed or not); else the first, which answers that
        it does not exist."""
        return self._holding(lambda store: store.hit_entry(hit_id) is not None)

    def holding_assignment(self, assignment_id: str) -> Account:
        return self._holding(lambda store: store.assignment_entry(assignment_id) is not None)

    def holding_type(self, type_id: str) -> Account:
        """The account owning a qualification type (system types: the first)."""
        return self._holding(lambda store: type_id in store.t.qualification_types)

    def holding_profile(self, worker_id: str) -> Account:
        return self._holding(lambda store: worker_id in store.t.worker_profiles)

    def _holding(self, holds: Callable[[Store], bool]) -> Account:
        for account in self._accounts.values():
            if holds(account.store):
                return account
        return self.first

    def _link(self, store: Store) -> None:
        """Let each store see the others', for the workers they share."""
        store.peers = self._stores

    def _stores(self) -> Sequence[Store]:
        return [account.store for account in self._accounts.values()]


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a requester, if it cannot."""
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        return f"a name has 1 to {MAX_NAME_LENGTH} characters"
    if not name.isprintable() or "/" in name or name.strip() != name:
        return "a name is printable, without '/' or surrounding spaces"
    return None
