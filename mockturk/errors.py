"""Every error the wire can carry, and the one place their wording lives.

MTurk's own errors (``RequestError``, ``ServiceFault``) carry ``Message`` and ``TurkErrorCode``
and end their message with the server time in epoch milliseconds: ``Hit X does not exist.
(1624047673969)``. Errors raised by the AWS request framework in front of MTurk
(validation, unknown operation, malformed JSON) use a lowercase ``message`` and no stamp.
"""

from __future__ import annotations

from typing import Any

from mockturk.quoted import java_text
from mockturk.spec import Violation

CORAL = "com.amazon.coral.service#"
INVALID_PARAMETER_VALUE = "AWS.MechanicalTurk.InvalidParameterValue"


class AwsError(Exception):
    """An error response: HTTP status, ``__type`` and body members."""

    status: int = 400
    type_name: str = "InternalFailure"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def body(self, now_ms: int) -> dict[str, Any]:
        return {"__type": self.type_name, "message": self.message}


class TurkError(AwsError):
    """An error raised by MTurk itself: stamped message (a few real ones had none) and a
    TurkErrorCode."""

    def __init__(self, message: str, turk_error_code: str, *, stamped: bool = True) -> None:
        super().__init__(message)
        self.turk_error_code = turk_error_code
        self.stamped = stamped

    def body(self, now_ms: int) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "Message": f"{self.message} ({now_ms})" if self.stamped else self.message,
            "TurkErrorCode": self.turk_error_code,
        }


class RequestError(TurkError):
    status = 400
    type_name = "RequestError"


class ServiceFault(TurkError):
    status = 500
    type_name = "ServiceFault"


class ParameterValidationError(TurkError):
    """MTurk's refusal of one parameter's value; the body names the parameter in a member of its
    own, between Message and TurkErrorCode, as the real service sent it."""

    status = 400
    type_name = "ParameterValidationError"

    def __init__(
        self, message: str, parameter: str, turk_error_code: str = INVALID_PARAMETER_VALUE
    ) -> None:
        super().__init__(message, turk_error_code)
        self.parameter = parameter

    def body(self, now_ms: int) -> dict[str, Any]:
        return {
            "__type": self.type_name,
            "Message": f"{self.message} ({now_ms})",
            "Parameter": self.parameter,
            "TurkErrorCode": self.turk_error_code,
        }


class ValidationException(AwsError):
    type_name = "ValidationException"

    def __init__(self, violations: list[Violation]) -> None:
        count = len(violations)
        noun = "error" if count == 1 else "errors"
        details = "; ".join(v.aws_message() for v in violations)
        super().__init__(f"{count} validation {noun} detected: {details}")
        self.violations = violations


class UnknownOperation(AwsError):
    type_name = CORAL + "UnknownOperationException"


class SerializationError(AwsError):
    type_name = CORAL + "SerializationException"


class RequestTooLarge(AwsError):
    status = 413
    type_name = CORAL + "RequestEntityTooLargeException"


class AccessDenied(AwsError):
    status = 403
    type_name = CORAL + "AccessDeniedException"


class NotImplementedOperation(AwsError):
    status = 501
    type_name = "NotImplementedException"


# --- MTurk's messages -------------------------------------------------------------------------


def hit_does_not_exist(hit_id: str) -> RequestError:
    return RequestError(f"Hit {hit_id} does not exist.", "AWS.MechanicalTurk.HITDoesNotExist")


def assignment_does_not_exist(assignment_id: str) -> RequestError:
    return RequestError(
        f"Assignment {assignment_id} does not exist.",
        "AWS.MechanicalTurk.AssignmentDoesNotExist",
    )


# --- The lifecycle's and the account's messages ----------------------------------------------


def invalid_assignment_state(allowed: str) -> RequestError:
    """A review of work that is not awaiting review. ``allowed`` is the real text's status list:
    "Submitted" for a reviewed assignment, "null" for work still in progress, and
    "Reviewable,Approved,Rejected" (no spaces) when GetAssignment meets work in progress."""
    return RequestError(
        f"This operation can be called with a status of: {allowed}",
        "AWS.MechanicalTurk.InvalidAssignmentState",
    )


def invalid_hit_state(current: str, allowed: str) -> RequestError:
    # The real DeleteHIT text, two spaces included; its TurkErrorCode was never printed.
    return RequestError(
        f"This HIT is currently in the state '{current}'.  This operation can be called with a"
        f" status of: {allowed}",
        "AWS.MechanicalTurk.InvalidHITState",
    )


def insufficient_funds() -> RequestError:
    # The real 2017 text carries no time stamp.
    return RequestError(
        "This Requester has insufficient funds in their account to complete this transaction."
        " Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs.",
        "AWS.MechanicalTurk.InsufficientFunds",
        stamped=False,
    )


def hit_type_does_not_exist(hit_type_id: str) -> RequestError:
    # Chosen: the HIT's wording, for a HIT type.
    return RequestError(
        f"HITType {hit_type_id} does not exist.", "AWS.MechanicalTurk.HITTypeDoesNotExist"
    )


def hit_already_exists(hit_id: str) -> RequestError:
    # Chosen: the real text is unknown beyond "a message containing the HITId".
    return RequestError(
        f"There is already a HIT which exists with the same UniqueRequestToken: {hit_id}.",
        "AWS.MechanicalTurk.HitAlreadyExists",
    )


def token_already_processed(token: str) -> RequestError:
    # The real UpdateExpirationForHIT text; reused for the other operations' tokens (chosen).
    return RequestError(
        f'The idempotency token "{token}" has already been processed.',
        "AWS.MechanicalTurk.IdempotencyTokenAlreadyProcessed",
    )


def invalid_assignments_increase() -> RequestError:
    # Chosen: the documented rule, in words; the real text is unknown.
    return RequestError(
        "HITs created with fewer than 10 assignments cannot be extended to have 10 or more"
        " assignments.",
        "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease",
    )


def hit_too_old_for_extension() -> RequestError:
    # Chosen: the documented rule, in words; the real text is unknown.
    return RequestError(
        "HITs that were created before July 22, 2015 cannot be extended.",
        "AWS.MechanicalTurk.HITTooOldForExtension",
    )


# --- Notifications ---------------------------------------------------------------------------


def no_notification_to_activate(hit_type_id: str) -> RequestError:
    # Chosen: the real text for Active alone on a HIT type without settings is unknown.
    return RequestError(
        f"HITType {hit_type_id} has no notification specification to activate or deactivate.",
        "AWS.MechanicalTurk.InvalidParameterValue",
    )


def not_a_file_upload(question_id: str) -> RequestError:
    # Chosen (invented): the real text for a question that takes no file is unknown.
    return RequestError(
        f'The QuestionIdentifier "{question_id}" does not identify a FileUploadAnswer.',
        "AWS.MechanicalTurk.InvalidParameterValue",
    )


def invalid_next_token(token: str) -> RequestError:
    # No sample of the real wording exists; modelled on its ParameterValidationError messages.
    return RequestError(
        f'The value "{token}" is not valid for the parameter NextToken.',
        "AWS.MechanicalTurk.InvalidParameterValue",
    )


def service_fault() -> ServiceFault:
    return ServiceFault(
        "The service is temporarily unable to process your request. Try your call again.",
        "AWS.ServiceUnavailable",
    )


# --- MTurk's messages on what requests create (mockturk.operations.checks, domain.questions) --


def invalid_parameter(parameter: str, value: Any, reason: str = "") -> ParameterValidationError:
    """``The value "<v>" is not valid for the parameter <P>.``, the real wording (WorkerId on
    SendBonus, Test on UpdateQualificationType), and a sentence saying why where one helps."""
    message = f'The value "{java_text(value)}" is not valid for the parameter {parameter}.'
    return ParameterValidationError(f"{message} {reason}" if reason else message, parameter)


def external_url_not_https(url: str) -> ParameterValidationError:
    # Verbatim from the real service, double period included.
    return invalid_parameter("ExternalURL", url, "This URL must use the HTTPS protocol..")


def external_url_not_valid(url: str) -> ParameterValidationError:
    return invalid_parameter(
        "ExternalURL", url, "This URL must be an absolute URL using the HTTP or HTTPS protocol."
    )


def question_not_valid(question: str, reason: str) -> ParameterValidationError:
    return invalid_parameter("Question", question, reason)


def requester_feedback_not_valid(feedback: str) -> ParameterValidationError:
    return invalid_parameter(
        "RequesterFeedback",
        feedback,
        "It must not contain the ASCII control characters 0-8, 11, 12 or 14-31.",
    )


def value_out_of_range(parameter: str, value: int, low: int, high: int) -> ParameterValidationError:
    """The real wording for ExpirationIncrementInSeconds, used for other integer parameters."""
    return ParameterValidationError(
        f"The value {java_text(value)} is invalid for {parameter}."
        f" Valid values range from {low} to {high}.",
        parameter,
    )


def missing_one_of(first: str, second: str) -> ParameterValidationError:
    return ParameterValidationError(
        f"Either the {first} parameter or the {second} parameter must be provided.", first
    )


def more_than_one_of(first: str, second: str) -> ParameterValidationError:
    return ParameterValidationError(
        f"Only one of the {first} parameter and the {second} parameter may be provided.", first
    )


# --- Qualifications and workers' messages -------------------------------------------------------


def qualification_type_already_exists() -> RequestError:
    return RequestError(
        "You have already created a QualificationType with this name. A QualificationType's name"
        " must be unique among all of the QualificationTypes created by the same user.",
        "AWS.MechanicalTurk.QualificationTypeAlreadyExists",
    )


def qualification_type_does_not_exist(type_id: str) -> RequestError:
    # Chosen: the HIT's wording, for a qualification type.
    return RequestError(
        f"QualificationType {type_id} does not exist.",
        "AWS.MechanicalTurk.QualificationTypeDoesNotExist",
    )


def qualification_type_inactive(type_id: str) -> ParameterValidationError:
    # Chosen: an Inactive type cannot be required (its documented meaning); the text is unknown.
    return invalid_parameter(
        "QualificationTypeId", type_id, "The QualificationType is Inactive: HITs cannot require it."
    )


def qualification_does_not_exist() -> RequestError:
    return RequestError(
        "You requested a Qualification that does not exist.",
        "AWS.MechanicalTurk.QualificationDoesNotExist",
    )


def qualification_not_granted() -> RequestError:
    # The text clients match for a revoked qualification; the TurkErrorCode is chosen.
    return RequestError(
        "This operation can be called with a status of: Granted",
        "AWS.MechanicalTurk.InvalidQualificationState",
    )


def qualification_request_does_not_exist(request_id: str) -> RequestError:
    # Chosen: the HIT's wording, for a qualification request.
    return RequestError(
        f"QualificationRequest {request_id} does not exist.",
        "AWS.MechanicalTurk.QualificationRequestDoesNotExist",
    )


def qualification_request_not_pending(request_id: str) -> RequestError:
    # Chosen: the real text is unknown.
    return RequestError(
        f"The Qualification request {request_id} is not in a pending state.",
        "AWS.MechanicalTurk.InvalidQualificationRequestState",
    )


def not_your_qualification_type(type_id: str) -> ParameterValidationError:
    # Chosen: system types are MTurk's, and no requester grants or revokes them.
    return invalid_parameter(
        "QualificationTypeId",
        type_id,
        "It is a system Qualification type, which only Amazon Mechanical Turk assigns.",
    )


# --- The request framework's messages ---------------------------------------------------------


def unknown_operation(target: str | None) -> UnknownOperation:
    if not target:
        return UnknownOperation("Missing X-Amz-Target header.")
    return UnknownOperation(f"Unknown operation {target!r}.")


def unsupported_content_type(content_type: str) -> UnknownOperation:
    # The real service answers a foreign protocol as an operation it does not know.
    return UnknownOperation(
        f"Unsupported Content-Type {content_type[:100]!r}: AWS JSON requests carry"
        " application/x-amz-json-1.1."
    )


def cross_site_request(evidence: str) -> AccessDenied:
    # mockturk's own refusal: the real service was never reachable from a browser page.
    return AccessDenied(
        f"Refused a request from a web page of another site ({evidence}): the API answers"
        " clients that are not browsers."
    )


def wrong_method(method: str) -> UnknownOperation:
    return UnknownOperation(f"{method} is not supported: AWS JSON requests are POST /.", status=405)


def wrong_path(path: str) -> UnknownOperation:
    return UnknownOperation(f"No operation at {path!r}: AWS JSON requests are POST /.", status=404)


def not_implemented(operation: str, implemented: list[str]) -> NotImplementedOperation:
    return NotImplementedOperation(
        f"mockturk does not implement {operation} yet. Implemented: {', '.join(implemented)}."
    )
