"""The queue page's status line after an action: a fixed vocabulary with counts.

Text taken from the address (``/review?notice=...``) let any link put words in the app's
own status line ("Your session expired: call 555-..."); now the address carries only what
was done and how many, and the words are written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from shelfaudit.commission import Decision
from shelfaudit.scoring.wording import counted


class Done(StrEnum):
    """What the queue page says was just done. A fixed vocabulary with counts, not text
    from the address: a link to /review?notice=... could put any words in the app's own
    status line."""

    nothing_selected = "nothing_selected"
    bulk = "bulk"
    decided = "decided"
    unknown_sku = "unknown_sku"
    drawn = "drawn"


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
        return f"Photo {photo} {decision.value}: saved"
    return None


def photo_notice(done: Done | None, photo: int | None, decision: Decision | None) -> str | None:
    """The photo page's status line: the decision just saved on the previous photo (the
    page moves on at once, and without it nothing said the decision was kept)."""
    if done is Done.decided and photo is not None and decision is not None:
        return f"Photo {photo} {decision.value}: saved"
    if done is Done.unknown_sku:
        return "That SKU id is not in the catalogue: pick one from the list, or add it first"
    if done is Done.drawn:
        return "Box drawn: the label export adds it to this photo's labels"
    return None


# A fraud score from here on asks before approving, as a fraud verdict does: one stray key
# approved and paid a photo taken 1,143 km from its store (risk 0.82).
ASK_BEFORE_APPROVING_AT = 0.6


def approve_warning(fraud: Mapping[str, Any]) -> str | None:
    """What the approve button asks first for a photo the checks strongly doubt."""
    score = fraud.get("score")
    if fraud.get("verdict") == "fraud" or not isinstance(score, int | float):
        return None  # a fraud verdict has its own question
    if score < ASK_BEFORE_APPROVING_AT:
        return None
    reasons = [str(r.get("message", "")) for r in fraud.get("reasons") or []][:2]
    why = f": {' '.join(reasons)}" if reasons else ""
    return f"The checks strongly doubt this photo (risk {score:.2f}){why} Approve it as genuine?"
