"""The closed set of roles. People hold one of the first three; API keys hold ``sfa``."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"  # master data, rule sets, everything an approver may do
    approver = "approver"  # the review queue, decisions, payout statements
    ml_engineer = "ml_engineer"  # label export and read-only photo pages
    sfa = "sfa"  # an SFA app: uploads photos and master data through the API, never the UI


PERSON_ROLES = (Role.admin, Role.approver, Role.ml_engineer)
