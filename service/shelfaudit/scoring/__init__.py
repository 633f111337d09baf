"""Scoring: the pure display-standard engine that turns one analysed photo into a score.

No database, no HTTP, no clock. Load a ``DisplayStandard`` (``load_standard`` /
``read_standard``; ``examples/standards/``), build a ``ScoringInput`` from the photo's
checks (quality, detections, later SKU counts), and ``score_photo`` gives a ``DisplayScore``
0–100 with one ``CriterionResult`` per criterion and a sentence a rep understands. Modules:

- ``standard``: the standard and its criterion kinds; ``loader``: YAML in and out;
- ``inputs`` and ``result``: what scoring reads and returns;
- ``score``: the entry point; ``counts`` and ``shares``: one function per criterion kind;
- ``facings``: which boxes a target means; ``bands``: named shelf bands as rows;
- ``wording`` and ``outcome``: sentences and points.
"""

from shelfaudit.scoring.inputs import ScoringInput, SkuCounts
from shelfaudit.scoring.loader import (
    dump_standard,
    load_standard,
    load_stored_standard,
    read_standard,
)
from shelfaudit.scoring.result import CriterionResult, DisplayScore, Unit
from shelfaudit.scoring.score import score_criterion, score_photo
from shelfaudit.scoring.standard import Band, Basis, DisplayElement, DisplayStandard

__all__ = [
    "Band",
    "Basis",
    "CriterionResult",
    "DisplayElement",
    "DisplayScore",
    "DisplayStandard",
    "ScoringInput",
    "SkuCounts",
    "Unit",
    "dump_standard",
    "load_standard",
    "load_stored_standard",
    "read_standard",
    "score_criterion",
    "score_photo",
]
