"""What scoring gives back: the score and one line per criterion."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Unit(StrEnum):
    facings = "facings"  # detected boxes or recognised SKU facings
    share = "share"  # 0-1
    elements = "elements"  # display elements counted
    sharpness = "sharpness"  # variance of the Laplacian
    check = "check"  # 1 passed, 0 failed


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    expected: float = Field(description="the threshold in `unit` (a maximum for max_* kinds)")
    observed: float | None = Field(description="what the photo shows; None: not measurable")
    unit: Unit
    passed: bool
    points: float = Field(description="0..max_points")
    max_points: float = Field(description="the criterion's weight")
    mandatory: bool
    sentence: str = Field(description="plain English for the rep")


class DisplayScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    standard_id: str
    standard_version: int
    score: float = Field(description="0-100, one decimal; 0 when a mandatory criterion failed")
    points_score: float = Field(description="the score the points alone would give")
    passed_mandatory: bool
    reason: str | None = Field(description="why the score is 0, when a mandatory one failed")
    criteria: tuple[CriterionResult, ...]
