"""The review's closed vocabularies; their values go on the wire and into the database."""

from __future__ import annotations

from enum import StrEnum

# Reason codes are shared with the commission rules that name them: they live in domain.
from shelfaudit.domain.reasons import APPROVE_REASONS, REJECT_REASONS, ReasonCode

__all__ = [
    "APPROVE_REASONS",
    "REJECT_REASONS",
    "BoxAction",
    "ItemState",
    "QueueReason",
    "ReasonCode",
]


class ItemState(StrEnum):
    open = "open"  # waiting for a person
    decided = "decided"  # approved or rejected; kept for the trail and the filters
    cleared = "cleared"  # a newer analysis no longer asks for a person


class QueueReason(StrEnum):
    verdict_review = "verdict_review"  # the fraud verdict asks for a person
    verdict_fraud = "verdict_fraud"  # judged fraud: a person confirms it (a penalty) or not
    low_confidence = "low_confidence"  # the detector was unsure of the boxes a score counts
    near_threshold = "near_threshold"  # the display score sits near a pay band's edge


class BoxAction(StrEnum):
    relabel = "relabel"  # the box is right, its class is not
    wrong = "wrong"  # there is no such object: drop the box from the labels
    restore = "restore"  # undo: the model's box and class stand
