"""The queue page's status line after an action: a fixed vocabulary with counts.

Text taken from the address (``/review?notice=...``) let any link put words in the app's
own status line ("Your session expired: call 555-..."); now the address carries only what
was done and how many, and the words are written here.
"""

from __future__ import annotations

from enum import StrEnum

from shelfaudit.commission import Decision
from shelfaudit.scoring.wording import counted


class Done(StrEnum):
    """What the queue page says was just done. A fixed vocabulary with counts, not text
    from the address: a link to /review?notice=... could put any words in the app's own
    status line."""

    nothing_selected = "nothing_selected"
    bulk = "bulk"
    decided = "decided"


def queue_notice(
    done: Done | None,
    approved: int,
    gone: int,
    own: int,
    photo: int | None,
    decision: Decision | None,
) -> str | None:
    if done is Done.nothing_selected:
        return "Select clean items to approve first"
    if done is Done.bulk:
        parts = [f"Approved {counted(approved, 'clean item')}"]
        if gone:
            parts.append(f"{counted(gone, 'item')} no longer in the queue (decided meanwhile)")
        if own:
            needs = "needs a look of its own" if own == 1 else "need a look of their own"
            parts.append(f"{counted(own, 'item')} {needs}")
        return "; ".join(parts)
    if done is Done.decided and photo is not None and decision is not None:
        return f"Photo {photo}: {decision.value}"
    return None
