"""Offline model training for ShelfAudit (kept out of the inference service)."""
