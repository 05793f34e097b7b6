"""GetFileUploadURL: where the file a worker uploaded for a FileUploadAnswer can be fetched.

FileUploadAnswer was deprecated on 2017-12-12; the operation stayed in the model and answered
with a temporary URL, valid for 60 seconds, for an assignment of a QuestionForm HIT whose
question takes a file. mockturk's workers upload no files, so the URL names the file the real
service would have kept, on a host of the real shape, and is never served (chosen).
"""

from __future__ import annotations

import urllib.parse
from datetime import timedelta

from mockturk.domain.questions import check_question
from mockturk.domain.records import ACCEPTED, DISPOSED
from mockturk.errors import assignment_does_not_exist, invalid_assignment_state, not_a_file_upload
from mockturk.operations.context import Context, Params, Result

URL_LIFETIME = timedelta(seconds=60)
UPLOADS = "https://mturk-file-uploads.s3.amazonaws.com"
# GetAssignment's real text, for work in progress.
_VISIBLE_STATUSES = "Reviewable,Approved,Rejected"


def get_file_upload_url(ctx: Context, params: Params) -> Result:
    assignment_id, question_id = params["AssignmentId"], params["QuestionIdentifier"]
    assignment = ctx.store.assignment_entry(assignment_id)
    hit = ctx.store.hit_entry(assignment.record.HITId) if assignment is not None else None
    if assignment is None or hit is None or hit.record.HITStatus == DISPOSED:
        raise assignment_does_not_exist(assignment_id)
    if assignment.record.AssignmentStatus == ACCEPTED:
        raise invalid_assignment_state(_VISIBLE_STATUSES)
    asked = check_question(hit.record.Question).questions if hit.record.Question else ()
    if not any(q.identifier == question_id and q.answer == "FileUpload" for q in asked):
        raise not_a_file_upload(question_id)
    expires = int((ctx.clock.now() + URL_LIFETIME).timestamp())
    key = f"{assignment_id}/{urllib.parse.quote(question_id, safe='')}"
    return {"FileUploadURL": f"{UPLOADS}/{key}?Expires={expires}"}
