"""Conditional GETs: a browser that sends back an ETag it holds gets 304 and no bytes."""

from __future__ import annotations


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110: a list of tags, weak ones (W/"…") compared weakly, or "*"."""
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags
