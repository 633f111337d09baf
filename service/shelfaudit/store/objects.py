"""Object storage for originals: one interface, a local folder or S3 (MinIO) behind it.

Originals are content-addressed (``originals/ab/cd/<sha256>``), so storing the same bytes
twice is harmless and a stored object never changes.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Protocol

import certifi
import urllib3
from minio import Minio
from minio.error import S3Error
from urllib3.exceptions import HTTPError

from shelfaudit.errors import NotFound, TransientError
from shelfaudit.settings import Settings, StorageBackend


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """``TransientError`` unless the store can be reached and written with these
        settings (credentials, bucket, folder)."""


class LocalObjectStore:
    """Objects as files under ``root``; writes are atomic (temp file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)  # made on first use, as by put
        except OSError as exc:
            raise TransientError(f"the storage folder {self.root}: {exc.strerror}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise TransientError(f"the storage folder {self.root} is not writable")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"object key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists() and path.stat().st_size == len(data):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"object {key} is not in the store") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def http_client(timeout_s: float) -> urllib3.PoolManager:
    """The SDK's own client (CA bundle, retries on 5xx) with bounded waits: a connect or a
    read past ``timeout_s``, then one more try, and the caller hears ``TransientError``
    (503) instead of waiting for minutes (the SDK's defaults: 300 s a read, 5 retries)."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=min(5.0, timeout_s), read=timeout_s),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


class S3ObjectStore:
    """Objects in an S3 bucket through the ``minio`` SDK (MinIO, SeaweedFS, AWS S3)."""

    def __init__(self, client: Minio, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_settings(cls, settings: Settings) -> S3ObjectStore:
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            secure=settings.s3_secure,
            region=settings.s3_region,
            http_client=http_client(settings.s3_timeout_s),
        )
        return cls(client, settings.s3_bucket)

    def check(self) -> None:
        try:
            found = self.client.bucket_exists(self.bucket)
        except S3Error as exc:
            raise TransientError(f"bucket {self.bucket}: {exc.code}") from exc
        except (HTTPError, OSError) as exc:
            raise TransientError(f"object store unreachable: {exc}") from exc
        if not found:
            raise TransientError(f"bucket {self.bucket} does not exist")

    def ensure_bucket(self) -> None:
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise TransientError(f"cannot create bucket {self.bucket}: {exc}") from exc
        except (HTTPError, OSError) as exc:
            raise TransientError(f"object store unreachable: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                self.bucket, key, io.BytesIO(data), len(data), content_type=content_type
            )
        except (S3Error, HTTPError, OSError) as exc:
            raise TransientError(f"cannot store {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise NotFound(f"object {key} is not in the store") from exc
            raise TransientError(f"cannot read {key}: {exc}") from exc
        except (HTTPError, OSError) as exc:
            raise TransientError(f"object store unreachable: {exc}") from exc
        try:
            return response.read()
        except (HTTPError, OSError) as exc:  # the connection broke mid-body
            raise TransientError(f"reading {key} was cut off: {exc}") from exc
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise TransientError(f"cannot stat {key}: {exc}") from exc
        except (HTTPError, OSError) as exc:
            raise TransientError(f"object store unreachable: {exc}") from exc
        return True


def make_object_store(settings: Settings) -> ObjectStore:
    if settings.storage_backend is StorageBackend.s3:
        store = S3ObjectStore.from_settings(settings)
        store.ensure_bucket()
        return store
    return LocalObjectStore(settings.objects_dir)
