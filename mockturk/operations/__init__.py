"""The MTurk operations mockturk implements: one handler each, named as in the model.

Adding an operation means writing its handler and adding one line here; the protocol,
validation against the model, pagination and error handling come with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockturk.operations import (
    assignments,
    balance,
    blocks,
    bonuses,
    files,
    hit_changes,
    hit_types,
    hits,
    messages,
    notifications,
    qualifications,
    review,
    review_policies,
)
from mockturk.operations.context import Context, Handler

HANDLERS: Mapping[str, Handler] = MappingProxyType(
    {
        "ApproveAssignment": review.approve_assignment,
        "CreateAdditionalAssignmentsForHIT": hit_changes.create_additional_assignments_for_hit,
        "CreateHIT": hits.create_hit,
        "CreateHITType": hit_types.create_hit_type,
        "CreateHITWithHITType": hits.create_hit_with_hit_type,
        "DeleteHIT": hit_changes.delete_hit,
        "GetAccountBalance": balance.get_account_balance,
        "GetAssignment": assignments.get_assignment,
        "GetFileUploadURL": files.get_file_upload_url,
        "GetHIT": hits.get_hit,
        "ListAssignmentsForHIT": assignments.list_assignments_for_hit,
        "ListBonusPayments": bonuses.list_bonus_payments,
        "ListHITs": hits.list_hits,
        "ListReviewPolicyResultsForHIT": review_policies.list_review_policy_results_for_hit,
        "ListReviewableHITs": hit_changes.list_reviewable_hits,
        "RejectAssignment": review.reject_assignment,
        "SendBonus": bonuses.send_bonus,
        "SendTestEventNotification": notifications.send_test_event_notification,
        "UpdateExpirationForHIT": hit_changes.update_expiration_for_hit,
        "UpdateHITReviewStatus": hit_changes.update_hit_review_status,
        "UpdateHITTypeOfHIT": hit_changes.update_hit_type_of_hit,
        # Qualifications, worker blocks and messages
        "AcceptQualificationRequest": qualifications.accept_qualification_request,
        "AssociateQualificationWithWorker": qualifications.associate_qualification_with_worker,
        "CreateQualificationType": qualifications.create_qualification_type,
        "CreateWorkerBlock": blocks.create_worker_block,
        "DeleteQualificationType": qualifications.delete_qualification_type,
        "DeleteWorkerBlock": blocks.delete_worker_block,
        "DisassociateQualificationFromWorker": (
            qualifications.disassociate_qualification_from_worker
        ),
        "GetQualificationScore": qualifications.get_qualification_score,
        "GetQualificationType": qualifications.get_qualification_type,
        "ListHITsForQualificationType": qualifications.list_hits_for_qualification_type,
        "ListQualificationRequests": qualifications.list_qualification_requests,
        "ListQualificationTypes": qualifications.list_qualification_types,
        "ListWorkerBlocks": blocks.list_worker_blocks,
        "ListWorkersWithQualificationType": qualifications.list_workers_with_qualification_type,
        "NotifyWorkers": messages.notify_workers,
        "RejectQualificationRequest": qualifications.reject_qualification_request,
        "UpdateQualificationType": qualifications.update_qualification_type,
        "UpdateNotificationSettings": notifications.update_notification_settings,
    }
)

__all__ = ["HANDLERS", "Context", "Handler"]
