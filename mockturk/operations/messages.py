"""NotifyWorkers: a message to each worker's inbox, or a failure status for that worker."""

from __future__ import annotations

from mockturk.domain.records import APPROVED, REJECTED
from mockturk.operations.context import Context, Params, Result
from mockturk.state import workers

# The real (2013) text; MTurk sent mail only to workers whose work the requester had reviewed.
NOT_WORKED_FOR_YOU = "Cannot send a notification to a worker who has not done any work for you"


def notify_workers(ctx: Context, params: Params) -> Result:
    """Failures are returned, never raised; chosen: a WorkerId given twice is sent to once."""
    tx = ctx.account.transaction()
    failures = []
    for worker_id in dict.fromkeys(params["WorkerIds"]):
        tally = ctx.store.worker_tally(worker_id)
        if tally.get(APPROVED, 0) + tally.get(REJECTED, 0) == 0:
            failures.append(
                {
                    "NotifyWorkersFailureCode": "HardFailure",
                    "NotifyWorkersFailureMessage": NOT_WORKED_FOR_YOU,
                    "WorkerId": worker_id,
                }
            )
            continue
        workers.tell(tx, worker_id, "NotifyWorkers", params["Subject"], params["MessageText"])
    ctx.account.commit(tx)
    return {"NotifyWorkersFailureStatuses": failures}
