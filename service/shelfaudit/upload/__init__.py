"""Intake: validate an upload and its visit metadata, store the original, record the photo."""
