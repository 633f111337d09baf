"""Getting stored photos analysed: Celery on a broker, or in-process without one."""
