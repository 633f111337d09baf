"""A standard's SKU ids that could never be counted are refused when it is published."""

from __future__ import annotations

import pytest

from shelfaudit.errors import InvalidStandard
from shelfaudit.runtime import Runtime
from shelfaudit.store.standards import put_standard
from shelfaudit.store.tables import Activity, Sku

STANDARD = """
id: dairy
version: {version}
name: Dairy
activity_brand: arla
criteria:
  - {{id: milk, kind: min_facings, skus: [{sku}], min: 1}}
"""


@pytest.fixture
def dairy(runtime: Runtime) -> Runtime:
    with runtime.sessions.begin() as session:
        session.add(Activity(id="dairy-2026", name="Dairy"))
        session.add(Sku(sku_id="Arla-Standard-Milk", name="Arla Standard Milk", brand="Arla"))
        session.add(Sku(sku_id="Oatly-Oat-Milk", name="Oatly Oat Milk", brand="Oatly"))
        session.add(Sku(sku_id="Valio-Yoghurt", name="Valio", brand="Valio", active=False))
    return runtime


def publish(runtime: Runtime, sku: str, version: int = 1) -> None:
    with runtime.sessions.begin() as session:
        put_standard(
            session,
            activity_id="dairy-2026",
            source=STANDARD.format(sku=sku, version=version),
            actor="t",
        )


@pytest.mark.parametrize(
    ("sku", "said"),
    [
        ("arla-standard-milk", "did you mean 'Arla-Standard-Milk'?"),
        ("Oatly-Oat-Mlik", "did you mean 'Oatly-Oat-Milk'?"),
        ("'Arla Standard Milk'", "is the name of SKU 'Arla-Standard-Milk': give its id"),
        ("Valio-Yoghurt", "is deactivated: it is never recognised"),
    ],
)
def test_a_sku_id_that_could_never_be_counted_is_refused(
    dairy: Runtime, sku: str, said: str
) -> None:
    with pytest.raises(InvalidStandard, match=said.replace("?", r"\?")):
        publish(dairy, sku)


@pytest.mark.parametrize(
    "sku",
    [
        "Arla-Standard-Milk",
        "Skyr-Vanilla-2027",  # unlike any id: added to the catalogue later
        "Oatly-Oat-Milx",  # one letter apart: a sister product as likely as a typo
        "Arla-Standard-Milks",
    ],
)
def test_a_catalogue_id_or_a_product_still_to_come_is_taken(dairy: Runtime, sku: str) -> None:
    publish(dairy, sku)
