"""The one mapping from errors to HTTP: statuses and the headers that go with them."""

from __future__ import annotations

import pytest

from shelfaudit import errors
from shelfaudit.api.errors import headers_for, status_for


@pytest.mark.parametrize(
    ("error", "status", "headers"),
    [
        (errors.TooManyAttempts("wait", retry_after_s=600), 429, {"Retry-After": "600"}),
        (errors.Unauthenticated("who?"), 401, {}),
        (errors.TransientError("bucket b: NoSuchBucket"), 503, {"Retry-After": "5"}),
        (errors.CsrfRejected("no token"), 403, {}),
        (errors.MissingField("no x", field="x", rule="r", photo_id=1), 422, {}),
        (errors.ShelfAuditError("unmapped"), 500, {}),
    ],
)
def test_errors_map_to_a_status_and_headers(
    error: errors.ShelfAuditError, status: int, headers: dict[str, str]
) -> None:
    assert status_for(error) == status
    assert headers_for(error) == headers
