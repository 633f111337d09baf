"""Shared vocabulary of ShelfAudit: enums and typed results. Imports nothing of ours."""
