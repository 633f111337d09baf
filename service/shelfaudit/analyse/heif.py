"""HEIC/HEIF photos (what iPhones save by default) through ``pillow-heif``.

Registering its opener teaches every ``Image.open`` in the process the format, under the
name ``HEIF``. libheif applies the container's rotation and mirroring while decoding and
``pillow-heif`` then sets the EXIF Orientation to 1, so a HEIC photo is upright as opened:
turning it again by its EXIF would turn it twice.
"""

from __future__ import annotations

import pillow_heif

FORMAT = "HEIF"

# Major brands of HEVC-coded HEIF files; ``mif1``/``msf1`` are generic image brands that
# AVIF uses too, so they count only with an HEVC brand among the compatible ones.
_HEVC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs")
_GENERIC_BRANDS = (b"mif1", b"msf1")

pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def is_heif(head: bytes) -> bool:
    """Whether ``head`` (the first 64 bytes or so) starts an HEVC-coded HEIF file."""
    if head[4:8] != b"ftyp":
        return False
    major = head[8:12]
    if major in _HEVC_BRANDS:
        return True
    if major not in _GENERIC_BRANDS:
        return False
    box_size = int.from_bytes(head[:4], "big")
    compatible = head[16 : min(box_size, len(head))]
    brands = {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
    return any(brand in brands for brand in _HEVC_BRANDS)
