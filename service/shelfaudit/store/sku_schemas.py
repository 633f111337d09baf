"""The SKU catalogue's shapes: what a caller sends (create, update) and what it reads back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field, model_validator

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.domain.gtin import Gtin
from shelfaudit.domain.ids import MAX_ROW_ID
from shelfaudit.domain.text import check_plain_text

SKU_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


def _strip(value: str | None) -> str | None:
    return check_plain_text(value) or None if value is not None else None


def _strip_required(value: str) -> str:
    stripped = check_plain_text(value)
    if not stripped:
        raise ValueError("must not be blank")
    return stripped


SkuId = Annotated[
    str,
    Field(
        pattern=SKU_ID_PATTERN,
        description="letters, digits, '.', '_' or '-', starting with a letter or digit; "
        "at most 100 characters",
        examples=["Arla-Standard-Milk"],
    ),
]
SkuName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_strip_required)]
Brand = Annotated[str | None, Field(default=None, max_length=100), AfterValidator(_strip)]
Barcode = Annotated[
    Gtin | None,
    Field(default=None, description="GTIN (EAN-8, UPC-A, EAN-13, GTIN-14), check digit valid"),
]


class SkuCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku_id: SkuId
    name: SkuName
    brand: Brand = None
    barcode: Barcode = None


class SkuUpdate(BaseModel):
    """Only the fields sent change; ``brand`` or ``barcode`` null clears it."""

    model_config = ConfigDict(extra="forbid")

    name: SkuName | None = None
    brand: Brand = None
    barcode: Barcode = None
    active: bool | None = Field(
        default=None, strict=True, description='true reactivates a SKU (not "yes" or 1)'
    )

    @model_validator(mode="after")
    def _not_null(self) -> Self:
        for field in ("name", "active"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null")
        return self

    def changes(self) -> dict[str, object]:
        return self.model_dump(include=self.model_fields_set)


class SkuState(StrEnum):
    """Which SKUs a listing shows."""

    active = "active"
    inactive = "inactive"
    any = "any"


class PackshotPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku_id: str
    sha256: str
    format: str
    size_bytes: int
    width: int = Field(description="upright width in pixels")
    height: int = Field(description="upright height in pixels")
    embedded: bool = Field(description="a vector is stored (made by model_version)")
    model_version: str | None = Field(description="embedding model of the stored vector")
    created_at: datetime
    kind: ExampleKind = Field(
        default=ExampleKind.packshot,
        description="packshot, or a field example a person confirmed: shelf_crop or close_up",
    )
    source_photo_id: int | None = Field(
        default=None, description="field examples: the photo it was cut from"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_url(self) -> str:
        return f"/v1/skus/{self.sku_id}/packshots/{self.id}/image"


class FieldExampleCreate(BaseModel):
    """A facing a person confirmed as this SKU on an analysed photo."""

    model_config = ConfigDict(extra="forbid")

    # Strict: true, "1" and 1.0 are not photo 1, nor "412" a coordinate.
    photo_id: int = Field(ge=1, le=MAX_ROW_ID, strict=True)
    xyxy: list[Annotated[float, Field(strict=True)]] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="the facing's box in upright original-photo pixels, as the SKU check "
        "reports it; omitted: the whole photo is one close-up of the product",
        examples=[[412.0, 180.0, 590.0, 520.0]],
    )


class PackshotAccepted(PackshotPublic):
    created: bool = Field(description="false: this SKU already had this exact image")

    @classmethod
    def of(cls, row: object, *, created: bool) -> PackshotAccepted:
        return cls(**PackshotPublic.model_validate(row).model_dump(), created=created)


class SkuPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku_id: str
    name: str
    brand: str | None
    barcode: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class SkuDetail(SkuPublic):
    packshots: list[PackshotPublic]

    @classmethod
    def of(cls, row: object, packshots: Sequence[object]) -> SkuDetail:
        return cls(
            **SkuPublic.model_validate(row).model_dump(),
            packshots=[PackshotPublic.model_validate(p) for p in packshots],
        )
