"""ShelfAudit: store photos in, display scores and fraud verdicts out.

The package is laid out as the pipeline: upload -> store -> queue -> analyse -> results.
The outer shell (api, cli, queue workers) imports inward; ``analyse`` and ``domain`` know
nothing of HTTP, Celery or the database.
"""

__version__ = "0.1.0"
