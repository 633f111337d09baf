"""The error tree. HTTP statuses: ``api/errors.py``; retries: ``queue/tasks.py``."""

from __future__ import annotations


class ShelfAuditError(Exception):
    """Base of every error the package raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.public = message  # what an API caller or a page reads


class InvalidInput(ShelfAuditError):
    """The caller sent something we will not accept; retrying the same request cannot help."""

    code = "invalid_input"


class EmptyFile(InvalidInput):
    code = "empty_file"


class CorruptImage(InvalidInput):
    code = "corrupt_image"


class UnsupportedMediaType(InvalidInput):
    code = "unsupported_media_type"


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"


class TooManyPixels(InvalidInput):
    code = "too_many_pixels"


class UnusableDimensions(InvalidInput):
    """Too few pixels on a side, or a strip too thin, to show a display (or to analyse)."""

    code = "unusable_dimensions"


class InvalidMetadata(InvalidInput):
    code = "invalid_metadata"


class UnknownReference(InvalidInput):
    """Metadata names a store, rep or activity that the master data does not hold."""

    code = "unknown_reference"


class NotFound(ShelfAuditError):
    code = "not_found"


class TransientError(ShelfAuditError):
    """A dependency (database, object store, broker) failed in a way a retry may fix.

    ``message`` is for logs and operators (it may name hosts, buckets and keys);
    ``public`` is what an API caller hears.
    """

    code = "transient"

    def __init__(
        self,
        message: str,
        *,
        public: str = "a service ShelfAudit depends on is unavailable; retry shortly",
        retry_after_s: int = 5,
    ) -> None:
        super().__init__(message)
        self.public = public
        self.retry_after_s = retry_after_s


class SchemaOutOfDate(ShelfAuditError):
    """The database schema is not the one this release needs (``shelfaudit db upgrade``)."""

    code = "schema_out_of_date"


class OffsetChanged(ShelfAuditError):
    """Statements were run with another ``SHELFAUDIT_BUSINESS_UTC_OFFSET``: under this one
    their periods would not be found again (and could not be closed or run on)."""

    code = "offset_changed"


class ModelError(ShelfAuditError):
    """A trained model cannot be used."""

    code = "model_error"


class ModelNotFound(ModelError):
    code = "model_not_found"


class ModelIntegrityError(ModelError):
    """The artifact is missing, corrupt or differs from the registry's sha256."""

    code = "model_integrity"


# Commission (shelfaudit.commission): a rule set that fails validation, or rule sets that
# cannot be applied to the photos given. Both are the caller's to fix; nothing is paid.


class InvalidRuleSet(InvalidInput):
    """A rule set, or the set of versions of one, fails validation; the message says where."""

    code = "invalid_rule_set"


class CommissionError(InvalidInput):
    """Rule sets cannot be applied to the photos and payouts given."""

    code = "commission_error"


class MissingField(CommissionError):
    """A rule reads a field the photo lacks, and the rule does not say ``missing: skip``."""

    code = "missing_field"

    def __init__(self, message: str, *, field: str, rule: str, photo_id: int) -> None:
        super().__init__(message, field=field)
        self.rule = rule
        self.photo_id = photo_id


# Access (shelfaudit.auth): who is asking, and whether their role may do this.


class Unauthenticated(ShelfAuditError):
    """No valid session or API key came with the request (or the session has expired)."""

    code = "unauthenticated"


class Forbidden(ShelfAuditError):
    """The caller is known but their role may not do this."""

    code = "forbidden"


class CsrfRejected(Forbidden):
    """A form or state-changing request from a browser session lacks its CSRF token."""

    code = "csrf_rejected"


class TooManyAttempts(ShelfAuditError):
    """Too many failed logins for this username or from this client: refused unchecked
    until ``retry_after_s`` seconds have passed."""

    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Conflict(InvalidInput):
    """The request collides with what exists: a taken username, a rule-set version twice."""

    code = "conflict"


class NotAnalysed(Conflict):
    """The photo has no analysis yet (still queued, or analysis failed): nothing to show."""

    code = "not_analysed"


# Display standards (shelfaudit.scoring).


class InvalidStandard(InvalidInput):
    """A display standard fails validation; the message says where."""

    code = "invalid_standard"
