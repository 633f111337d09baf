"""Closed vocabularies; their values go on the wire and into the database."""

from enum import StrEnum


class PhotoStatus(StrEnum):
    received = "received"  # stored and recorded, waiting for analysis
    processing = "processing"  # a worker holds it
    analysed = "analysed"  # results for the current pipeline version exist
    failed = "failed"  # analysis gave up; the original is still kept


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


class FlagCode(StrEnum):
    blurry = "blurry"
    too_dark = "too_dark"
    too_bright = "too_bright"
    low_resolution = "low_resolution"
    exact_duplicate = "exact_duplicate"
    near_duplicate = "near_duplicate"
    no_camera_exif = "no_camera_exif"
    edited_software = "edited_software"


class RecaptureVerdict(StrEnum):
    genuine = "genuine"  # probability below the uncertain threshold
    uncertain = "uncertain"  # between the thresholds: a person should look
    recapture = "recapture"  # a photo of a screen or a print


class MatchKind(StrEnum):
    exact = "exact"  # identical bytes (SHA-256)
    near = "near"  # perceptual hashes within thresholds


class ExampleKind(StrEnum):
    """What a SKU's reference picture is, which decides how it is embedded."""

    packshot = "packshot"  # a clean product picture: embedded through a few staged views
    shelf_crop = "shelf_crop"  # a facing cut from a field photo: embedded like a crop
    close_up = "close_up"  # a whole field photo of the product: embedded like a close-up
