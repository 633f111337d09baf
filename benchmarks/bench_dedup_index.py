"""Duplicate search at scale: hash-index lookups at 1 M and 10 M photos, and the cost of the
local-feature stage.

Run: .venv/bin/python benchmarks/bench_dedup_index.py [--sizes 1000000 10000000]
     [--queries 2000] [--radius 31] [--layout auto] [--inside-share 0.19] [--local]
     [--keypoints] [--json]

Index: N synthetic photos (uniform random PDQ, pHash, dHash, generated with numpy) are
indexed; a tail of recent rows (half the fold size) is left unfolded, as a live index has
one. Each lookup is one photo's eight dihedral PDQ variants, as the processor sends them;
half the queries carry a planted copy of a stored photo at a random distance of 0-40 bits
in a random variant, so recall within the radius is checked too (it must be 1.0). A second
index holds ``--inside-share`` of the photos again (what lies inside their flat bars), and
``lookup_with_inside_ms`` times the whole hash stage: both searches and their merge. Reports
build time, RSS, index bytes, p50/p95/p99 lookup latency (single thread, measured, not
extrapolated; wall time, and the thread's CPU time next to it, since on a shared 2-core
machine a ~1 ms task waits ~4 ms for a core a few percent of the time), folding the tail,
snapshot save and load.

Local features (``--local``): ORB extraction on real photos at the analysis size, the
stored size per photo, reading stored features back, and verification of an unrelated
candidate (most of them: one faiss k-NN, rejected) and of a cropped, rotated copy (both
directions, RANSAC, aligned-thumbnail similarity); the worst case of one photo is
``--candidates`` unrelated candidates read from storage.

Keypoint postings (``--keypoints``): N photos with 96 keys each, built directly as the CSR
table the index holds (keys uniform over 2**24: real ORB keys are skewed, which lengthens
some postings; ``--max-posting`` caps them as the service does). Each query is the keys of
500 ORB descriptors, probed with their one-bit neighbours (12,500 lookups) as the service
does, or not (``probe: false``); a planted photo shares 20 of them and must come first.
Reports memory and p50/p95/p99 of the vote and top-k selection.

Uniform random codes are the worst case for bucket sizes of 16-bit chunks and the best
case for 21-bit ones; real PDQ bits are balanced per photo (median threshold), so buckets
are close to uniform, but photos of one scene cluster.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shelfaudit.index import snapshot
from shelfaudit.index.hash_index import HashIndex, HashRows, Query
from shelfaudit.index.mih import LAYOUTS, choose_layout
from shelfaudit.index.search import INSIDE_OFFSET, concat, nearest_per_photo

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def rss_mb() -> float:
    """Current resident set size in MiB (from /proc, not the peak)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_rows(n: int, rng: np.random.Generator, start_id: int = 1) -> HashRows:
    return HashRows(
        ids=np.arange(start_id, start_id + n, dtype=np.int64),
        pdq=rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64, endpoint=False),
        phash=rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False),
        dhash=rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False),
    )


def flip_bits(code: NDArray[np.uint64], d: int, rng: np.random.Generator) -> NDArray[np.uint64]:
    out = code.copy()
    for bit in rng.choice(256, size=d, replace=False):
        out[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return out


def make_queries(
    rows: HashRows, count: int, rng: np.random.Generator
) -> tuple[list[Query], list[tuple[int, int, int]]]:
    """Eight random variants per query; half carry a copy of a stored photo.

    Planted: (photo id, distance, variant), or (-1, -1, -1).
    """
    queries, planted = [], []
    for k in range(count):
        pdq = rng.integers(0, 2**64, size=(8, 4), dtype=np.uint64, endpoint=False)
        truth = (-1, -1, -1)
        if k % 2 == 0:
            row = int(rng.integers(0, len(rows)))
            d = int(rng.integers(0, 41))
            variant = 0 if k % 4 == 0 else int(rng.integers(1, 8))
            pdq[variant] = flip_bits(rows.pdq[row], d, rng)
            truth = (int(rows.ids[row]), d, variant)
        queries.append(
            Query(
                pdq=pdq,
                phash=rng.integers(0, 2**64, size=8, dtype=np.uint64, endpoint=False),
                dhash=rng.integers(0, 2**64, size=8, dtype=np.uint64, endpoint=False),
            )
        )
        planted.append(truth)
    return queries, planted


def percentiles(ms: list[float]) -> dict[str, float]:
    values = np.asarray(ms)
    return {f"p{q}": round(float(np.percentile(values, q)), 3) for q in (50, 95, 99)} | {
        "max": round(float(values.max()), 3)
    }


def bench_index(n: int, args: argparse.Namespace) -> dict[str, Any]:
    rng = np.random.default_rng(n)
    gc.collect()
    rss0 = rss_mb()
    started = time.perf_counter()
    tail = args.tail_max // 2
    base = synthetic_rows(n - tail, rng)
    generate_s = time.perf_counter() - started
    layout = choose_layout(n) if args.layout == "auto" else LAYOUTS[args.layout]

    started = time.perf_counter()
    index = HashIndex(radius=args.radius, layout=layout, rows=base, tail_max=args.tail_max)
    build_s = time.perf_counter() - started
    del base
    gc.collect()
    index.add(synthetic_rows(tail, rng, start_id=n - tail + 1))

    # The second index: what lies inside the bars of the photos that have them.
    n_inside = round(n * args.inside_share)
    inside_ids = np.sort(rng.choice(n, size=n_inside, replace=False) + 1).astype(np.int64)
    inside_rows = synthetic_rows(n_inside, rng)
    inside = HashIndex(
        radius=args.radius,
        rows=HashRows(inside_ids, inside_rows.pdq, inside_rows.phash, inside_rows.dhash),
        tail_max=args.tail_max,
    )
    del inside_rows
    rss_built = rss_mb()

    queries, planted = make_queries(index.rows(), args.queries, rng)
    for query in queries[:20]:  # warm-up: page in the tables, allocate buffers
        index.search(query)
        inside.search(query)
    latencies, cpu, candidates, totals = [], [], [], []
    bands: dict[str, list[int]] = {}
    for query, (photo_id, d, variant) in zip(queries, planted, strict=True):
        t, c = time.perf_counter(), time.thread_time()
        result = index.search(query, keep_within=64)
        latencies.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
        found = inside.search(query, keep_within=64)  # as search.search_hashes merges them
        nearest_per_photo(concat(result, replace(found, variant=found.variant + INSIDE_OFFSET)))
        totals.append((time.perf_counter() - t) * 1000)
        candidates.append(len(result))
        if photo_id >= 0:
            band = "0-23" if d <= 23 else "24-31" if d <= 31 else "32-40"
            key = f"{'upright' if variant == 0 else 'turned'} {band}"
            bands.setdefault(key, []).append(int(photo_id in set(result.ids.tolist())))

    started = time.perf_counter()
    index.fold_tail()
    fold_s = time.perf_counter() - started

    out: dict[str, Any] = {
        "n": n,
        "layout": layout.name,
        "radius": args.radius,
        "flips_upright_turned": index.flips(2),
        "guaranteed_upright_turned": index.guaranteed,
        "tail_rows": tail,
        "generate_s": round(generate_s, 2),
        "build_s": round(build_s, 2),
        "fold_tail_s": round(fold_s, 3),
        "index_mb": round(index.nbytes() / 2**20, 1),
        "rss_mb": round(rss_built, 1),
        "rss_index_mb": round(rss_built - rss0, 1),
        "inside_rows": n_inside,
        "inside_index_mb": round(inside.nbytes() / 2**20, 1),
        "lookup_ms": percentiles(latencies),
        # The whole hash stage: this index, the inside-bars index, and their merge.
        "lookup_with_inside_ms": percentiles(totals),
        # CPU time of the lookup thread: the wall time minus waits for a core.
        "lookup_cpu_ms": percentiles(cpu),
        "load_average": round(os.getloadavg()[0], 2),
        "queries": len(latencies),
        "recall_by_distance": {
            k: f"{sum(v)}/{len(v)}" for k, v in sorted(bands.items(), key=lambda kv: kv[0])
        },
        "returned_per_lookup": round(float(np.mean(candidates)), 2),
    }
    if args.snapshot:
        with tempfile.TemporaryDirectory(prefix="bench-index-", dir=args.tmp) as tmp:
            root = Path(tmp)
            meta = snapshot.SnapshotMeta(hashes_version="bench", watermark=n)
            started = time.perf_counter()
            snapshot.save(index.frozen(), root, meta)
            out["snapshot_save_s"] = round(time.perf_counter() - started, 2)
            out["snapshot_mb"] = round(
                sum(p.stat().st_size for p in root.rglob("*.npy")) / 2**20, 1
            )
            del index
            gc.collect()
            started = time.perf_counter()
            loaded = snapshot.load(root, radius=args.radius, tail_max=args.tail_max)
            out["snapshot_load_s"] = round(time.perf_counter() - started, 3)
            assert loaded is not None
            index = loaded.main
            latencies = []
            for query in queries[:200]:
                t = time.perf_counter()
                index.search(query)
                latencies.append((time.perf_counter() - t) * 1000)
            out["lookup_ms_after_load_cold"] = percentiles(latencies)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def bench_local(args: argparse.Namespace) -> dict[str, Any]:
    """Extraction, storage and verification cost of the second stage on real photos."""
    import io

    from PIL import Image

    from shelfaudit.analyse.decode import decode
    from shelfaudit.index import features, verify

    paths = sorted((DATASETS / "sku110k_shelves" / "originals").glob("*.jpg"))
    paths += sorted((DATASETS / "heineken_displays" / "images").glob("*.jpg"))[:12]
    blobs, extract_ms, copies = [], [], []
    for path in paths:
        rgb = decode(path.read_bytes(), target_long_side=1024, max_pixels=10**8).rgb
        extracted = features.extract(rgb)
        extract_ms.append(extracted.ms)
        blobs.append(features.to_bytes(extracted.features))
        image = Image.fromarray(rgb)
        w, h = image.size
        buffer = io.BytesIO()
        image.crop((w // 7, h // 9, w, h)).rotate(3).save(buffer, "JPEG", quality=80)
        crop = decode(buffer.getvalue(), target_long_side=1024, max_pixels=10**8).rgb
        copies.append(features.extract(crop).features)
    read_ms, unrelated_ms, related_ms = [], [], []
    for i, blob in enumerate(blobs):
        t = time.perf_counter()
        stored = features.from_bytes(blob)
        read_ms.append((time.perf_counter() - t) * 1000)
        related_ms.append(verify.verify(copies[i], stored).ms)
        for j, other in enumerate(copies):
            if j != i:
                unrelated_ms.append(verify.verify(other, stored).ms)
    unrelated = float(np.percentile(unrelated_ms, 50))
    uncached = unrelated + float(np.percentile(read_ms, 50))
    return {
        "photos": len(paths),
        "extract_ms": percentiles(extract_ms),
        "stored_kb": round(float(np.mean([len(b) for b in blobs])) / 1024, 1),
        "read_features_ms": percentiles(read_ms),
        "verify_unrelated_ms": percentiles(unrelated_ms),
        "verify_copy_ms": percentiles(related_ms),
        "max_verify": args.candidates,
        "per_photo_worst_ms_p50_costs": round(args.candidates * uncached, 1),
    }


def bench_keypoints(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Vote latency and memory of the keypoint postings at ``n`` photos."""
    from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO, N_KEYS, probe_keys
    from shelfaudit.index.keypoint_postings import KeypointPostings

    rng = np.random.default_rng(11)
    before = rss_mb()
    started = time.perf_counter()
    counts = rng.poisson(n * KEYS_PER_PHOTO / N_KEYS, size=N_KEYS)
    offsets = np.zeros(N_KEYS + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    rows = rng.integers(0, n, size=int(offsets[-1]), dtype=np.uint32)
    postings = KeypointPostings(n_base=n, offsets=offsets, rows=rows)
    build_s = time.perf_counter() - started
    planted = n // 2
    out: dict[str, Any] = {
        "photos": n,
        "postings": int(offsets[-1]),
        "build_s": round(build_s, 1),
        "index_mb": round(postings.nbytes() / 2**20, 1),
        "rss_added_mb": round(rss_mb() - before, 1),
    }
    for probe in (True, False):
        ms, first = [], 0
        for _ in range(max(1, args.queries // 10)):
            query = np.unique(rng.integers(0, N_KEYS, size=500, dtype=np.uint32))
            # The planted photo holds 20 of the query's keys (appended to their postings).
            shared = query[:20]
            keys = probe_keys(query) if probe else query
            t = time.perf_counter()
            votes = postings.vote(keys, max_posting=args.max_posting)
            extra = np.full(len(shared), planted, np.int64)
            all_rows = np.concatenate([votes.rows, extra])
            all_votes = np.concatenate([votes.votes, np.ones(len(shared), np.int64)])
            ids, inverse = np.unique(all_rows, return_inverse=True)
            total = np.bincount(inverse, weights=all_votes).astype(np.int64)
            top = ids[np.lexsort((ids, -total))[:4]]
            ms.append((time.perf_counter() - t) * 1000)
            first += int(top[0] == planted)
        out["probe" if probe else "exact"] = {
            "lookups": int(len(probe_keys(query)) if probe else len(query)),
            "ms": percentiles(ms),
            "planted_first": round(first / len(ms), 3),
        }
    del postings, rows, offsets
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--radius", type=int, default=31)
    parser.add_argument("--layout", choices=["auto", *LAYOUTS], default="auto")
    parser.add_argument("--tail-max", type=int, default=4_096)
    parser.add_argument(
        "--inside-share",
        type=float,
        default=0.19,
        help="share of photos with flat bars, indexed a second time by what lies inside them "
        "(0.19: heineken_displays' letterboxed exports; phone photos rarely have bars)",
    )
    parser.add_argument("--snapshot", action="store_true", help="also time save and load")
    parser.add_argument("--tmp", default=None, help="folder for the snapshot test")
    parser.add_argument("--local", action="store_true", help="also time the local features")
    parser.add_argument(
        "--candidates", type=int, default=40, help="verifications per photo (dup_verify_max)"
    )
    parser.add_argument(
        "--keypoints", action="store_true", help="also time the keypoint postings at --sizes"
    )
    parser.add_argument("--max-posting", type=int, default=50_000)
    parser.add_argument("--no-hashes", action="store_true", help="skip the hash index")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"index": []}
    for n in [] if args.no_hashes else args.sizes:
        result = bench_index(n, args)
        results["index"].append(result)
        if not args.json:
            print(json.dumps(result), flush=True)
        gc.collect()
    if args.keypoints:
        results["keypoints"] = []
        for n in args.sizes:
            result = bench_keypoints(n, args)
            results["keypoints"].append(result)
            if not args.json:
                print(json.dumps({"keypoints": result}), flush=True)
            gc.collect()
    if args.local:
        results["local"] = bench_local(args)
        if not args.json:
            print(json.dumps({"local": results["local"]}), flush=True)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
