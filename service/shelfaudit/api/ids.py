"""Integer ids in paths, queries and bodies, bounded as stored ids are (an id past 2**63 - 1
422, not a driver's OverflowError)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

from shelfaudit.domain.ids import MAX_ROW_ID

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a stored row's id")]
Index = Annotated[int, Path(ge=0, le=MAX_ROW_ID, description="0-based position in a list")]
StoredId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]  # in a form list (text by nature)
StrictStoredId = Annotated[int, Field(ge=1, le=MAX_ROW_ID, strict=True)]  # in a JSON body
# Rule-set and standard versions are 32-bit columns.
Version = Annotated[int, Path(ge=1, le=2**31 - 1, description="a version number")]
