"""HTTP API (FastAPI): thin routes over upload, results and master data."""
