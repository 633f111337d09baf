"""Running trained models: the model registry, one ONNX session factory, a per-process cache.

Nothing here knows HTTP, Celery or the database.
"""
