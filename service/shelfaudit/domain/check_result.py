"""The base of every check result."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CheckResult(BaseModel):
    """Base of every check result: which code produced it and how long it took."""

    model_config = ConfigDict(frozen=True)

    version: str
    ms: float = Field(description="wall time of the check in milliseconds")
