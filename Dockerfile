# syntax=docker/dockerfile:1
# ShelfAudit service image: API (`shelfaudit serve`) and worker (`shelfaudit worker`).
# Only the service's own dependencies go in; the training extra (torch, ultralytics) never does:
# inference runs on onnxruntime alone.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: wheels for the package and every runtime dependency ----------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, against an empty package, so that a code change does not rebuild them
# (pdqhash has no wheel for Python 3.11 and compiles here, about 12 s).
COPY pyproject.toml README.md ./
RUN mkdir -p service/shelfaudit && touch service/shelfaudit/__init__.py \
 && pip wheel --wheel-dir /wheels . \
 && rm /wheels/shelfaudit-*.whl
COPY service ./service
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- runtime: the slim image, the wheels, a non-root user ------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    SHELFAUDIT_DATA_DIR=/var/lib/shelfaudit \
    SHELFAUDIT_MODELS_DIR=/opt/shelfaudit/models \
    MALLOC_ARENA_MAX=2
# libstdc++ (onnxruntime, opencv, pdqhash) is already in the base image: apt needs it.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels shelfaudit
# The model registry (ONNX files, cards, manifest), read-only for the service user.
COPY models /opt/shelfaudit/models
RUN groupadd --system --gid 10001 shelfaudit \
 && useradd --system --uid 10001 --gid shelfaudit --home-dir /var/lib/shelfaudit \
        --shell /usr/sbin/nologin shelfaudit \
 && mkdir -p /var/lib/shelfaudit \
 && chown shelfaudit:shelfaudit /var/lib/shelfaudit
WORKDIR /var/lib/shelfaudit
USER 10001:10001
EXPOSE 8000
# The worker serves no HTTP: docker-compose.yml turns this check off for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["shelfaudit", "serve", "--host", "0.0.0.0"]
