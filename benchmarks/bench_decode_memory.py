"""Peak memory and time of decoding the largest photos the service accepts.

Run: .venv/bin/python benchmarks/bench_decode_memory.py [--megapixels 99] [--long-side 1024]

Each file is decoded as the upload validation and the pipeline do (``decode.decode`` at the
analysis size), in a fresh process, so the peak resident memory is that decode's and not an
earlier one's. The files are what a hostile or careless client can send under the default
limits (100 MP, 40 MB): flat PNGs of 0.2-0.4 MB in every mode that converts differently
(RGB, RGBA with transparency, 16-bit grey, palette), a WebP at WebP's own limit (30 MP) and
a 100 MP JPEG. It prints, per file, its size, bytes, the milliseconds of the decode and the
resident memory it added (MB).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from shelfaudit.analyse import decode

MODES = ("RGB", "RGBA", "I;16", "P", "WEBP", "JPEG")


def make_file(kind: str, width: int, height: int) -> bytes:
    """A flat picture with a little structure, the cheapest to send and the dearest to open."""
    stripe = np.tile(np.arange(256, dtype=np.uint8), width // 256 + 1)[:width]
    row = np.stack([stripe, stripe[::-1], np.full(width, 128, np.uint8)], axis=-1)
    image = Image.fromarray(np.broadcast_to(row, (height, width, 3)).copy())
    buffer = io.BytesIO()
    if kind == "RGBA":
        image.putalpha(Image.new("L", image.size, 0).resize(image.size))
        image.save(buffer, "PNG")
    elif kind == "I;16":
        grey = np.broadcast_to((stripe.astype(np.uint16) * 257), (height, width)).copy()
        Image.fromarray(grey).save(buffer, "PNG")
    elif kind == "P":
        image.quantize(16).save(buffer, "PNG")
    elif kind == "WEBP":
        image.save(buffer, "WEBP", lossless=True)
    elif kind == "JPEG":
        image.save(buffer, "JPEG", quality=90)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(path: Path, long_side: int) -> None:
    """Decode one file; print {"ms", "added_mb"} as JSON."""
    data = path.read_bytes()
    before = _rss_mb("VmRSS")
    started = time.perf_counter()
    decoded = decode.decode(data, target_long_side=long_side, max_pixels=100_000_000)
    ms = (time.perf_counter() - started) * 1000
    peak = _rss_mb("VmHWM")
    print(json.dumps({"ms": ms, "added_mb": peak - before, "shape": list(decoded.rgb.shape)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=99.0)
    parser.add_argument("--long-side", type=int, default=1024)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.long_side)
        return 0
    print(f"decoded to {args.long_side} px")
    print(f"{'file':<10} {'pixels':>13} {'bytes':>10} {'ms':>8} {'added MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in MODES:
            pixels = args.megapixels * 1e6
            if kind == "WEBP":
                pixels = min(pixels, decode.WEBP_MAX_PIXELS)
            width = int(pixels**0.5)
            height = int(pixels // width)
            path = Path(tmp) / kind.replace(";", "")
            data = make_file(kind, width, height)
            path.write_bytes(data)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(path),
                    "--long-side",
                    str(args.long_side),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout)
            size = f"{width}x{height}"
            print(
                f"{kind:<10} {size:>13} {len(data):>10,} {result['ms']:>8.0f} "
                f"{result['added_mb']:>9.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
