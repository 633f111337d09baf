"""Display standards as data: the models YAML loads into, with their validation.

A standard is one versioned checklist for an activity's display. Every criterion has an
``id``, a ``weight`` (> 0) and ``mandatory`` (a failed mandatory criterion scores the photo
0). Criterion kinds (``kind:`` in YAML):

- ``min_facings``: at least ``min`` facings of ``classes`` (detector classes, summed), of a
  detector ``group``, of a ``brand``'s logo, of ``classes`` carrying a ``brand``'s logo
  (Heineken cartons: ``classes: [beer_carton]``, ``brand: heineken``), or of ``skus``
  (recognised SKU ids). ``partial: true`` earns points in proportion up to ``min``.
- ``min_share``: ``brands`` together hold at least ``min`` (0–1) of brand facings, by
  ``basis: count`` or ``width``.
- ``required_element``: at least ``min_count`` (default 1) of one display ``element``.
- ``position``: the target has at least ``min_facings`` (or ``min_fraction`` of its facings)
  on shelf rows in a named ``band`` or in explicit ``rows`` (0 = top). See ``bands``.
- ``max_competitor_share``: competitor brands (``brands``, else the standard's
  ``competitor_brands``) hold at most ``max`` of brand facings.
- ``min_quality``: the photo passed the quality check and/or its sharpness is at least
  ``min_sharpness``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shelfaudit.domain.text import check_note, check_plain_text

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", min_length=1, max_length=64)
]
Share = Annotated[float, Field(ge=0, le=1)]
T = TypeVar("T")


def _distinct(values: tuple[T, ...]) -> tuple[T, ...]:
    """A list that names something twice would count it twice (a brand's share 133 %)."""
    twice = sorted({str(v) for v in values if values.count(v) > 1})
    if twice:
        raise ValueError(f"lists {', '.join(twice)} twice")
    return values


Slugs = Annotated[tuple[Slug, ...], AfterValidator(_distinct)]
# A count written as a whole number (lax parsing would take true, "12" or 1.0), up to what
# one photo can show.
Count = Annotated[int, Field(ge=1, le=10_000, strict=True)]
MAX_ROWS = 49  # shelf rows are counted from 0 at the top; no photo shows fifty
MAX_WEIGHT = 1000.0  # weights are relative; a thousand to one is already extreme
MIN_WEIGHT = 0.01  # smaller rounds to 0 points: a criterion that passes would add nothing
MAX_VERSION = 2**31 - 1  # the version columns are 32-bit integers


# count: facings over all brand facings; width: summed box widths over all brand box widths
# (linear share of shelf). A Literal, since a StrEnum member cannot be called ``count``.
Basis = Literal["count", "width"]


class Band(StrEnum):
    top = "top"
    eye_level = "eye_level"
    middle = "middle"
    bottom = "bottom"


class DisplayElement(StrEnum):
    billboard = "billboard"
    display_stand = "display_stand"
    fridge = "fridge"
    ice_bucket = "ice_bucket"
    promoter = "promoter"


class _Strict(BaseModel):
    # .inf and 1.0e+400 parse as YAML floats; an infinite weight or threshold would turn
    # every later photo's score into NaN.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


MAX_CRITERIA = 500  # a planogram of a few hundred SKUs; the overlay drew 800 fine


class CriterionBase(_Strict):
    id: Slug
    weight: float = Field(default=1.0, ge=MIN_WEIGHT, le=MAX_WEIGHT)
    mandatory: bool = False
    # Both reach every breakdown sentence sent to the SFA app and the overlay: one line of
    # visible text, as names (a U+202E in a label drew "cartons" reversed on the overlay).
    label: Annotated[
        str | None,
        Field(
            default=None,
            max_length=200,
            description="what a rep calls the target, e.g. 'Heineken cartons'",
        ),
        AfterValidator(lambda v: check_plain_text(v) if v is not None else None),
    ] = None
    description: Annotated[str, Field(max_length=2000), AfterValidator(check_note)] = ""


class Target(CriterionBase):
    """What to count: ``classes`` or a ``group``, optionally carrying ``brand``'s logo, or
    ``brand`` alone (its logo boxes)."""

    classes: Slugs = ()
    group: Slug | None = None
    brand: Slug | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.classes and self.group:
            raise ValueError("give classes or group, not both")
        if not (self.classes or self.group or self.brand or getattr(self, "skus", ())):
            raise ValueError("say what to count: classes, group, brand or skus")
        return self


class MinFacings(Target):
    kind: Literal["min_facings"] = "min_facings"
    skus: Annotated[
        tuple[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)], ...],
        AfterValidator(_distinct),
    ] = ()
    min: Count
    partial: bool = True

    @model_validator(mode="after")
    def _skus_alone(self) -> Self:
        if self.skus and (self.classes or self.group or self.brand):
            raise ValueError("skus count recognised SKUs: give them without classes/group/brand")
        return self


class MinShare(CriterionBase):
    kind: Literal["min_share"] = "min_share"
    brands: Slugs = Field(min_length=1)
    basis: Basis = "width"
    min: Share


class RequiredElement(CriterionBase):
    kind: Literal["required_element"] = "required_element"
    element: DisplayElement
    min_count: Count = 1


class Position(Target):
    kind: Literal["position"] = "position"
    band: Band | None = None
    rows: Annotated[
        tuple[Annotated[int, Field(ge=0, le=MAX_ROWS, strict=True)], ...],
        AfterValidator(_distinct),
    ] = ()
    min_facings: Count | None = None
    min_fraction: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _where_and_how_many(self) -> Self:
        if (self.band is None) == (not self.rows):
            raise ValueError("give either a band or explicit rows")
        if (self.min_facings is None) == (self.min_fraction is None):
            raise ValueError("give either min_facings or min_fraction")
        return self


class MaxCompetitorShare(CriterionBase):
    kind: Literal["max_competitor_share"] = "max_competitor_share"
    brands: Slugs = ()
    basis: Basis = "width"
    max: Share


class MinQuality(CriterionBase):
    kind: Literal["min_quality"] = "min_quality"
    require_passed: bool = True
    min_sharpness: float | None = Field(default=None, ge=0, le=1e9)

    @model_validator(mode="after")
    def _asks_something(self) -> Self:
        if not self.require_passed and self.min_sharpness is None:
            raise ValueError("set require_passed or min_sharpness")
        return self


Criterion = Annotated[
    MinFacings | MinShare | RequiredElement | Position | MaxCompetitorShare | MinQuality,
    Field(discriminator="kind"),
]


class DisplayStandard(_Strict):
    """One version of an activity's display standard."""

    id: Slug
    version: int = Field(ge=1, le=MAX_VERSION)
    name: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_plain_text)]
    activity_brand: Slug
    own_brands: Slugs = ()
    competitor_brands: Slugs = ()
    # A rep reads every criterion; the overlay draws one panel line each (4,000 of them made
    # a JPEG taller than 65,535 px and the overlay a 500).
    criteria: tuple[Criterion, ...] = Field(min_length=1, max_length=MAX_CRITERIA)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [c.id for c in self.criteria]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"criterion id {', '.join(twice)} is used twice")
        both = set(self.owned) & set(self.competitor_brands)
        if both:
            raise ValueError(f"{', '.join(sorted(both))} is both own and competitor brand")
        for c in self.criteria:
            if isinstance(c, MaxCompetitorShare) and not (c.brands or self.competitor_brands):
                raise ValueError(f"criterion {c.id}: name brands or the competitor_brands")
            own = set(c.brands) & set(self.owned) if isinstance(c, MaxCompetitorShare) else set()
            if own:
                raise ValueError(
                    f"criterion {c.id} counts own brand {', '.join(sorted(own))} as a competitor"
                )
        return self

    @property
    def owned(self) -> tuple[str, ...]:
        """Own brands; the activity brand when none are listed."""
        return self.own_brands or (self.activity_brand,)

    def competitors_for(self, criterion: MaxCompetitorShare) -> tuple[str, ...]:
        return criterion.brands or self.competitor_brands
