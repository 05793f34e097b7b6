"""Worker blocks: a blocked worker can work on none of the requester's HITs."""

from __future__ import annotations

from mockturk.domain.qualifications import WorkerBlock
from mockturk.errors import invalid_parameter
from mockturk.operations.context import Context, Params, Result
from mockturk.operations.qualifications import listed
from mockturk.state import workers


def create_worker_block(ctx: Context, params: Params) -> Result:
    """Block a worker known to the account (the real text for others); chosen: blocking again
    keeps the newer Reason."""
    tx = ctx.account.transaction()
    worker_id = params["WorkerId"]
    if not workers.known(tx, worker_id):
        raise invalid_parameter("WorkerId", worker_id)
    tx.put_keyed(workers.BLOCKS, worker_id, WorkerBlock(worker_id, params["Reason"]))
    ctx.account.commit(tx)
    return {}


def delete_worker_block(ctx: Context, params: Params) -> Result:
    """Unblock; a worker who is not blocked is no error, as documented."""
    tx = ctx.account.transaction()
    if workers.block(tx, params["WorkerId"]) is not None:
        tx.put_keyed(workers.BLOCKS, params["WorkerId"], None)
        ctx.account.commit(tx)
    return {}


def list_worker_blocks(ctx: Context, params: Params) -> Result:
    """Chosen: by WorkerId."""
    tx = ctx.account.transaction()
    return ctx.page(
        "ListWorkerBlocks",
        params,
        (),
        listed(tx.keyed_records(workers.BLOCKS), lambda b: (0, b.WorkerId)),
    )
