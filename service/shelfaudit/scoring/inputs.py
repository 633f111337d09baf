"""What scoring reads from one analysed photo."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.domain.checks import DetectionsResult, QualityResult


class SkuCounts(BaseModel):
    """SKU recognition's output: facings per recognised SKU id, and facings it could not name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    counts: dict[str, int] = Field(default_factory=dict)
    unknown: int = Field(default=0, ge=0)


class ScoringInput(BaseModel):
    """``detections`` is None when the detector did not run or failed; ``skus`` is None until
    SKU recognition runs. Criteria that need what is missing fail and say why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    quality: QualityResult
    detections: DetectionsResult | None = None
    skus: SkuCounts | None = None
