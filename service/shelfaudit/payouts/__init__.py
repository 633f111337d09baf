"""Payouts: the commission engine (``shelfaudit.commission``) wired to the database.

- ``rule_store``: rule sets as versioned data (upload, activate, read back);
- ``inputs``: ``commission.AuditedPhoto`` records built from photos, analyses and decisions;
- ``statements``: run a period, store its statements and lines, read them back, CSV;
- ``simulation``: a draft rule set over a past period against the active versions;
- ``preview``: what one photo pays (or would pay) on its own, for the review screens;
- ``period_text``: ``2026-05``, ``2026-W19`` or an explicit range, as a ``Period``.
"""
