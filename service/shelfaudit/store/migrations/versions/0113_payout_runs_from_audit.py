"""payout_runs: also the runs that stored nothing before 0112

0112 made one run per period with stored statements. A run with nothing to pay stored no
statement, but the audit trail has it (``payout_run``, "period <label>"): without it, a photo
captured in that period and sent afterwards was priced by no later run. The label is read
back as ``Period.label`` writes it: ``2026-05``, ``2026-W19`` or ``<start>..<end>`` in
``%Y-%m-%dT%H:%MZ``.

Revision ID: 0113
Revises: 0112
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0113"
down_revision: str | None = "0112"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RANGE_FORMAT = "%Y-%m-%dT%H:%MZ"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_of(label: str) -> tuple[datetime, datetime] | None:
    """(start, end) of a period label; None for a label this migration cannot read."""
    try:
        if ".." in label:
            start, end = label.split("..", 1)
            return (
                datetime.strptime(start, _RANGE_FORMAT).replace(tzinfo=UTC),
                datetime.strptime(end, _RANGE_FORMAT).replace(tzinfo=UTC),
            )
        if "-W" in label:
            iso_year, week = label.split("-W")
            monday = date.fromisocalendar(int(iso_year), int(week), 1)
            return _midnight(monday), _midnight(monday + timedelta(days=7))
        year, month = (int(part) for part in label.split("-"))
        following = date(year + (month == 12), month % 12 + 1, 1)
        return _midnight(date(year, month, 1)), _midnight(following)
    except ValueError:
        return None


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade() -> None:
    events = sa.table(
        "audit_events",
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("subject", sa.String),
        sa.column("after", sa.JSON),
    )
    runs = sa.table(
        "payout_runs",
        sa.column("period_label", sa.String),
        sa.column("period_start", sa.DateTime(timezone=True)),
        sa.column("period_end", sa.DateTime(timezone=True)),
        sa.column("ran_by", sa.String),
        sa.column("ran_at", sa.DateTime(timezone=True)),
        sa.column("statements", sa.Integer),
    )
    connection = op.get_bind()
    known = {
        (_aware(start), _aware(end))
        for start, end in connection.execute(sa.select(runs.c.period_start, runs.c.period_end))
    }
    latest: dict[tuple[datetime, datetime], dict[str, object]] = {}
    rows = connection.execute(
        sa.select(events.c.at, events.c.actor, events.c.subject, events.c.after)
        .where(events.c.action == "payout_run")
        .order_by(events.c.at)
    )
    for at, actor, subject, after in rows:
        label = str(subject).removeprefix("period ")
        period = period_of(label)
        if period is None or period in known:
            continue
        stored = after.get("statements", 0) if isinstance(after, dict) else 0
        latest[period] = {
            "period_label": label,
            "period_start": period[0],
            "period_end": period[1],
            "ran_by": actor,
            "ran_at": _aware(at),
            "statements": int(stored) if isinstance(stored, int) else 0,
        }
    if latest:
        op.bulk_insert(runs, list(latest.values()))


def downgrade() -> None:
    # The rows cannot be told from those 0112 or later runs wrote; they are harmless.
    pass
