"""Operations on HITs."""

from __future__ import annotations

from mockturk.operations.context import Context, Params, Result


def list_hits(ctx: Context, params: Params) -> Result:
    """Every HIT that is not deleted, newest first (CreationTime descending, then HITId)."""
    return ctx.page("ListHITs", params, (), ctx.store.hits_page)
