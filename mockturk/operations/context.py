"""What an operation handler is given, and the shared shape of list operations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mockturk.account import Account
from mockturk.clock import Clock
from mockturk.pagination import Cursor, TokenCodec, page_body, page_size
from mockturk.spec import ServiceSpec
from mockturk.state.store import Page, Store

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class Context:
    spec: ServiceSpec
    account: Account
    tokens: TokenCodec

    @property
    def store(self) -> Store:
        """The tables, for reading; changes go through ``account.transaction()``."""
        return self.account.store

    @property
    def clock(self) -> Clock:
        return self.account.clock

    def page(
        self,
        operation: str,
        params: Params,
        scope: Sequence[str],
        fetch: Callable[[Cursor | None, int], Page],
    ) -> Result:
        """One page of a list operation, its keys taken from the model's paginator.

        ``scope`` is everything besides the cursor that decides the listing (the HIT, the
        filters): a token is only accepted back with the same scope.
        """
        paginator = self.spec.paginator(operation)
        scope_text = "\x1f".join((operation, *scope))
        after = self.tokens.open(params.get(paginator.input_token), scope_text)
        page = fetch(after, page_size(params, paginator))
        return page_body(paginator, page.records, page.last, scope_text, self.tokens)


Handler = Callable[[Context, Params], Result]
