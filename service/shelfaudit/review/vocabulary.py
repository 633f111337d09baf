"""The review's closed vocabularies; their values go on the wire and into the database."""

from __future__ import annotations

from enum import StrEnum


class ItemState(StrEnum):
    open = "open"  # waiting for a person
    decided = "decided"  # approved or rejected; kept for the trail and the filters
    cleared = "cleared"  # a newer analysis no longer asks for a person


class QueueReason(StrEnum):
    verdict_review = "verdict_review"  # the fraud verdict asks for a person
    low_confidence = "low_confidence"  # a model was unsure (recapture, detections)
    near_threshold = "near_threshold"  # the display score sits near a pay band's edge


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


class BoxAction(StrEnum):
    relabel = "relabel"  # the box is right, its class is not
    wrong = "wrong"  # there is no such object: drop the box from the labels
    restore = "restore"  # undo: the model's box and class stand
