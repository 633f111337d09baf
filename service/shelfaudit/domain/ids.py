"""Bounds of stored ids: rows are keyed by signed 64-bit integers (PostgreSQL BIGINT and
SQLite INTEGER alike), so a larger number can name nothing and must not reach a driver."""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1
