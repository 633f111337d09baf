"""Why a reviewer approved or rejected a photo: a closed vocabulary on the wire, in the
database, and in the commission rules that name rejection codes."""

from __future__ import annotations

from enum import StrEnum


class ReasonCode(StrEnum):
    """Why a reviewer decided as they did. Rule sets name the rejection codes (a
    ``fraud_penalty``'s ``rejected_reasons``, a ``clawback``'s ``reason_codes``)."""

    # approving
    genuine = "genuine"
    false_alarm = "false_alarm"
    # rejecting
    duplicate = "duplicate"
    recapture = "recapture"
    fake_gps = "fake_gps"
    staged = "staged"
    wrong_store = "wrong_store"
    poor_quality = "poor_quality"
    not_compliant = "not_compliant"
    other = "other"


APPROVE_REASONS = (ReasonCode.genuine, ReasonCode.false_alarm, ReasonCode.other)
REJECT_REASONS = (
    ReasonCode.duplicate,
    ReasonCode.recapture,
    ReasonCode.fake_gps,
    ReasonCode.staged,
    ReasonCode.wrong_store,
    ReasonCode.poor_quality,
    ReasonCode.not_compliant,
    ReasonCode.other,
)
