"""HEIC photos against their JPEGs: decode time, and whether the recapture score moves.

Run: .venv/bin/python benchmarks/bench_heic.py [--photos 8] [--quality 70]

Each full-resolution phone photo of sku110k_shelves/originals (5-12 MP, real EXIF) is
encoded as HEIC as an iPhone would send it (libheif's x265, EXIF kept; encoding takes
several seconds a photo and is not timed), then both files go through the pipeline's own
decode and the shipped recapture model. It prints, per photo, the decode milliseconds
(median of three) and the recapture probability of each, and the largest change: the model
was trained on JPEGs only, so an HEVC-coded photo must not look like a recapture to it.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from PIL import Image

from shelfaudit.analyse import decode, recapture
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.settings import Settings

REPO = Path(__file__).resolve().parents[1]
ORIGINALS = REPO.parent / "shared" / "datasets" / "sku110k_shelves" / "originals"


def as_heic(data: bytes, quality: int) -> bytes:
    with Image.open(io.BytesIO(data)) as opened:
        exif = opened.getexif().tobytes()
        buffer = io.BytesIO()
        opened.convert("RGB").save(buffer, "HEIF", quality=quality, exif=exif)
    return buffer.getvalue()


def fitted(data: bytes, long_side: int) -> bytes:
    """The JPEG reduced to ``long_side`` (0: as it is), EXIF kept."""
    if not long_side:
        return data
    with Image.open(io.BytesIO(data)) as opened:
        exif = opened.getexif().tobytes()
        image = opened.convert("RGB")
    image.thumbnail((long_side, long_side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--quality", type=int, default=70)
    parser.add_argument(
        "--long-side", type=int, default=0, help="reduce the photos first (0: full size)"
    )
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    registry = Registry.load(REPO / "models")
    model = recapture.load_model(ModelCache(registry, SessionOptions()))

    def measured(data: bytes) -> tuple[float, float, str]:
        times, decoded = [], None
        for _ in range(3):
            started = time.perf_counter()
            decoded = decode.decode(
                data, target_long_side=settings.quality_long_side, max_pixels=settings.max_pixels
            )
            times.append((time.perf_counter() - started) * 1000)
        assert decoded is not None
        probability = model.probability(recapture.features_of(decoded))
        return (
            statistics.median(times),
            probability,
            f"{decoded.result.width}x{decoded.result.height}",
        )

    print(f"model {model.version}; HEIC quality {args.quality}")
    print(f"{'photo':<16}{'size':>11}{'JPEG ms':>9}{'HEIC ms':>9}{'p JPEG':>8}{'p HEIC':>8}")
    changes = []
    for path in sorted(ORIGINALS.glob("*.jpg"))[: args.photos]:
        jpeg = fitted(path.read_bytes(), args.long_side)
        jpeg_ms, jpeg_p, size = measured(jpeg)
        heic_ms, heic_p, _ = measured(as_heic(jpeg, args.quality))
        changes.append(heic_p - jpeg_p)
        print(
            f"{path.name:<16}{size:>11}{jpeg_ms:>9.0f}{heic_ms:>9.0f}{jpeg_p:>8.3f}{heic_p:>8.3f}"
        )
    largest = max(changes, key=abs)
    print(f"largest change of the recapture probability, HEIC - JPEG: {largest:+.3f}")


if __name__ == "__main__":
    main()
