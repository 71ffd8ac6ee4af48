"""Google API answers the stand-in gives: an HTTP status, a JSON body, headers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

FCM_ERROR: Final = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST: Final = "type.googleapis.com/google.rpc.BadRequest"
Violation = tuple[str | None, str]  # (field path, description) as in google.rpc.BadRequest


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] | None = None


def google_error(
    status: int, rpc_status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message, "status": rpc_status}
    if details:
        error["details"] = details
    return {"error": error}


def fcm_error(status: int, rpc_status: str, message: str, fcm_code: str, retry_after: str | None = None) -> Answer:
    body = google_error(status, rpc_status, message, [{"@type": FCM_ERROR, "errorCode": fcm_code}])
    return Answer(status, body, {"Retry-After": retry_after} if retry_after else None)


def invalid_argument(violations: list[Violation], fcm_code: str | None = None) -> Answer:
    """400 as Google's parser answers: all violations in the message and as BadRequest field violations."""
    field_violations = [
        {"field": field, "description": text} if field else {"description": text} for field, text in violations
    ]
    details: list[dict[str, Any]] = []
    if fcm_code:
        details.append({"@type": FCM_ERROR, "errorCode": fcm_code})
    details.append({"@type": BAD_REQUEST, "fieldViolations": field_violations})
    message = "\n".join(text for _, text in violations)
    return Answer(400, google_error(400, "INVALID_ARGUMENT", message, details))


def not_found() -> Answer:
    return Answer(404, google_error(404, "NOT_FOUND", "Requested entity was not found."))
