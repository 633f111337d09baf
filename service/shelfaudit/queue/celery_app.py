"""The Celery application. Tasks take ids only, are idempotent and acknowledge late."""

from __future__ import annotations

from celery import Celery

from shelfaudit.settings import Settings

TASK_ANALYSE = "shelfaudit.analyse_photo"


def create_celery(settings: Settings) -> Celery:
    app = Celery("shelfaudit", broker=settings.broker_url or "memory://")
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_default_queue=settings.queue_name,
        task_routes={TASK_ANALYSE: {"queue": settings.queue_name}},
        # A task is acknowledged only after it finished, and re-delivered when the worker
        # running it dies: the analysis is idempotent, so running twice is harmless.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "visibility_timeout": settings.broker_visibility_timeout_s,
            # A hung Redis (not a refused connection) blocked publishing for good.
            "socket_timeout": settings.broker_timeout_s,
            "socket_connect_timeout": settings.broker_timeout_s,
        },
        broker_connection_timeout=settings.broker_timeout_s,
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        include=["shelfaudit.queue.tasks"],
    )
    return app
