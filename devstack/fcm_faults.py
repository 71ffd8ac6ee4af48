"""`POST /_local/fcm/faults`: switch the FCM stand-in's faults on, from a test or a terminal.

    {"oauth": "down"}                       the token endpoint fails; tokens issued before are refused
    {"send": {"status": 503, "count": 3}}   the next 3 sends answer 503 (or 500, 429)
    {"send": {"status": 403, "error": "SENDER_ID_MISMATCH", "count": 5}}
                                            the next 5 sends: our credentials refused (also 401
                                            THIRD_PARTY_AUTH_ERROR)

`DELETE /_local/fcm/faults` ends them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from devstack.fcm import FcmStandIn


class _SendFault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal[401, 403, 429, 500, 503]
    error: Literal["SENDER_ID_MISMATCH", "THIRD_PARTY_AUTH_ERROR"] | None = None
    count: int = Field(ge=1, le=100_000)

    @model_validator(mode="after")
    def _status_matches_error(self) -> _SendFault:
        expected = {"SENDER_ID_MISMATCH": 403, "THIRD_PARTY_AUTH_ERROR": 401}
        if (self.error is None and self.status in (401, 403)) or (
            self.error is not None and expected[self.error] != self.status
        ):
            raise ValueError("error: SENDER_ID_MISMATCH goes with 403, THIRD_PARTY_AUTH_ERROR with 401")
        return self


class _Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    oauth: Literal["down"] | None = None
    send: _SendFault | None = None


def inject_fcm_faults(fcm: FcmStandIn, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    try:
        faults = _Faults.model_validate(body)
    except ValidationError as error:
        fields = [".".join(str(part) for part in issue["loc"]) for issue in error.errors()]
        return 400, {"message": "invalid faults", "fields": fields}
    if faults.oauth:
        fcm.fail_oauth()
    if faults.send:
        fcm.fail_sends(faults.send.status, faults.send.count, faults.send.error)
    return 200, faults.model_dump(exclude_none=True)
