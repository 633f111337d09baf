"""Periods already run must read back the same under the business's UTC offset.

A period is stored as instants; its label (``2026-11``) is read in the offset of the day it
is typed. Changing ``SHELFAUDIT_BUSINESS_UTC_OFFSET`` after statements were run would make
``2026-11`` name other instants: the stored statements would not be found, could not be
closed, and their period would overlap every new run. So the service refuses to start.
"""

from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from shelfaudit.domain.times import offset_text
from shelfaudit.errors import InvalidInput, OffsetChanged
from shelfaudit.payouts.period_text import parse_period
from shelfaudit.store.database import make_engine, make_sessionmaker
from shelfaudit.store.tables import PayoutRun


def refuse_changed_offset(session: Session, offset_min: int) -> None:
    """``OffsetChanged`` naming a run whose label reads otherwise under ``offset_min``."""
    runs = session.execute(
        select(PayoutRun.period_label, PayoutRun.period_start, PayoutRun.period_end).distinct()
    )
    for label, start, end in runs:
        try:
            now = parse_period(label, offset_min)
        except InvalidInput:
            continue  # a label this release no longer writes: nothing to compare
        if (now.start, now.end) != (start, end):
            was = round((now.start - start).total_seconds() / 60)
            raise OffsetChanged(
                f"statements of {label} were run with SHELFAUDIT_BUSINESS_UTC_OFFSET="
                f"{offset_text(offset_min + was)}, and it is now {offset_text(offset_min)}: "
                "set it back (periods already run keep the hours they were run with)"
            )


def refuse_changed_offset_at(database_url: str, offset_min: int) -> None:
    """``refuse_changed_offset`` on the database at ``database_url``, before a server starts
    (one line for the operator instead of a failed start's traceback); a database not made
    yet has run nothing."""
    engine = make_engine(database_url)
    try:
        if not inspect(engine).has_table(PayoutRun.__tablename__):
            return
        with make_sessionmaker(engine)() as session:
            refuse_changed_offset(session, offset_min)
    finally:
        engine.dispose()
