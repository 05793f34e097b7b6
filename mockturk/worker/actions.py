"""What a worker does with a HIT: accept it, submit the work, or return it. Written once.

The control endpoints for simulated workers, ``/mturk/externalSubmit``, the Python handles of
the test harness and the worker pages all call these. Each raises :class:`WorkerError` (a code
and a sentence, for a worker or a script to read) and changes nothing when the action is not
possible. Workers are shared by every requester: each action takes place in the account of
the requester whose HIT it is.
"""

from __future__ import annotations

import re

from mockturk.domain import lifecycle
from mockturk.domain.records import ACCEPTED, ASSIGNABLE, DISPOSED, Assignment
from mockturk.requesters import Requesters
from mockturk.state import changes, workers

_WORKER_ID = re.compile(r"^A[A-Z0-9]{1,63}$")  # the model's CustomerId


class WorkerError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_worker_id(worker_id: str) -> None:
    if not _WORKER_ID.match(worker_id):
        raise WorkerError(
            400,
            "InvalidWorkerId",
            f"{worker_id!r} is not a WorkerId: an upper-case A, then 1 to 63 upper-case letters"
            " or digits.",
        )


def accept(requesters: Requesters, worker_id: str, hit_id: str) -> Assignment:
    """The worker takes one slot of the HIT: an assignment in progress until its Deadline."""
    check_worker_id(worker_id)
    account = requesters.holding_hit(hit_id)
    tx = account.transaction()
    hit = tx.hit(hit_id)
    if hit is None or hit.HITStatus == DISPOSED:
        raise WorkerError(404, "HITNotFound", f"There is no HIT {hit_id}.")
    status = lifecycle.hit_status(hit, tx.now) if hit.HITStatus == ASSIGNABLE else hit.HITStatus
    if status != ASSIGNABLE:
        reason = "it has expired" if lifecycle.expired(hit, tx.now) else "no assignment is left"
        raise WorkerError(
            409, "HITNotAssignable", f"HIT {hit_id} cannot be accepted: {reason} ({status})."
        )
    held = account.store.worker_assignment(hit_id, worker_id)
    if held is not None:
        mine = tx.assignment(held)
        doing = mine is not None and mine.AssignmentStatus == ACCEPTED
        raise WorkerError(
            409,
            "AlreadyAccepted" if doing else "AlreadySubmitted",
            f"Worker {worker_id} already "
            + (f"holds assignment {held}" if doing else f"submitted assignment {held}")
            + f" of HIT {hit_id}; a worker does a HIT at most once.",
        )
    refused = workers.refusal(tx, hit, worker_id)
    if refused is not None:
        code = "WorkerBlocked" if refused.requirement is None else "NotQualified"
        raise WorkerError(403, code, refused.sentence(worker_id, hit_id))
    assignment = changes.accept(tx, hit, worker_id)
    account.commit(tx)
    return assignment


def submit(requesters: Requesters, assignment_id: str, answer: str) -> Assignment:
    """The worker hands in the work (``answer``: a QuestionFormAnswers document)."""
    account = requesters.holding_assignment(assignment_id)
    tx = account.transaction()
    assignment = _in_progress(tx.assignment(assignment_id), assignment_id)
    submitted = changes.submit(tx, assignment, answer)
    account.commit(tx)
    row = account.store.assignment_entry(assignment_id)
    return row.record if row is not None else submitted


def return_(requesters: Requesters, assignment_id: str) -> Assignment:
    """The worker gives the assignment back: the slot is offered again unless the HIT expired."""
    account = requesters.holding_assignment(assignment_id)
    tx = account.transaction()
    assignment = _in_progress(tx.assignment(assignment_id), assignment_id)
    changes.release(tx, assignment)
    account.commit(tx)
    return assignment


def _in_progress(assignment: Assignment | None, assignment_id: str) -> Assignment:
    if assignment is None:
        raise WorkerError(
            404,
            "AssignmentNotFound",
            f"There is no assignment {assignment_id} in progress: it was never accepted, or it"
            " was returned or abandoned (its Deadline passed).",
        )
    if assignment.AssignmentStatus != ACCEPTED:
        raise WorkerError(
            409,
            "AssignmentNotInProgress",
            f"Assignment {assignment_id} was already submitted ({assignment.AssignmentStatus}).",
        )
    return assignment
