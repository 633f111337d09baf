"""Detections: one validated columnar type for every detector's boxes.

``xyxy (N, 4) float32`` in original-photo pixels, ``confidence (N,) float32``,
``class_id (N,) int64``; ``class_names`` maps ids to names. Filtering is boolean indexing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Detections:
    xyxy: NDArray[np.float32]
    confidence: NDArray[np.float32]
    class_id: NDArray[np.int64]
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        n = len(self.xyxy)
        if self.xyxy.shape != (n, 4):
            raise ValueError(f"xyxy must have shape (N, 4), got {self.xyxy.shape}")
        if self.confidence.shape != (n,):
            raise ValueError(f"confidence must have shape ({n},), got {self.confidence.shape}")
        if self.class_id.shape != (n,):
            raise ValueError(f"class_id must have shape ({n},), got {self.class_id.shape}")
        if n and (self.class_id.min() < 0 or self.class_id.max() >= len(self.class_names)):
            raise ValueError(
                f"class_id must be in [0, {len(self.class_names)}), "
                f"got {self.class_id.min()}..{self.class_id.max()}"
            )

    @classmethod
    def empty(cls, class_names: Sequence[str] = ()) -> Detections:
        return cls(
            xyxy=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int64),
            class_names=tuple(class_names),
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, mask: NDArray[np.bool_] | NDArray[np.int64]) -> Detections:
        return Detections(
            xyxy=self.xyxy[mask].reshape(-1, 4),
            confidence=self.confidence[mask].reshape(-1),
            class_id=self.class_id[mask].reshape(-1),
            class_names=self.class_names,
        )

    @property
    def names(self) -> list[str]:
        return [self.class_names[i] for i in self.class_id]

    @property
    def widths(self) -> NDArray[np.float32]:
        return self.xyxy[:, 2] - self.xyxy[:, 0]

    @property
    def centers(self) -> NDArray[np.float32]:
        return np.stack(
            [(self.xyxy[:, 0] + self.xyxy[:, 2]) / 2, (self.xyxy[:, 1] + self.xyxy[:, 3]) / 2],
            axis=1,
        ).astype(np.float32)
