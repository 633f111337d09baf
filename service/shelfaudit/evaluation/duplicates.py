"""Duplicate search on real photos: recall per transform, false matches among distinct photos.

Every image is fingerprinted as the pipeline does it (decode at the analysis size, hashes
with their dihedral variants, ORB features), the distinct ones (``--images`` and
``--distractors``, byte-identical files counted once) go into a hash index, and
transformed copies of ``--images`` are searched with the production rules
(``index.search``). Two settings of the second stage are measured:

* ``global``: only the index's candidates are verified (the nearest unmatched by PDQ and
  those sharing most keypoint keys), as for a copy submitted by another rep for another
  store;
* ``context``: the copy's rep has ``context`` recent photos, the source among them (the
  common case: a rep re-submits from their own gallery), and those are verified too.

A false match is a distinct photo that matches any other photo under the ``context``
setting (each gets ``context`` random other photos as its recent history), or a copy that
matches a photo other than its source. Pairs of files known to show the same scene
(``same_scene``: a genuine photo and its re-shot from a screen, two shots of one screen
seconds apart; the recapture set holds such pairs on purpose) are not distinct photos: a
match between them is counted apart, as found.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from pydantic import BaseModel

from shelfaudit.analyse import hashes
from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.duplicates import hex_to_u64, pdq_words
from shelfaudit.domain.checks import HashResult
from shelfaudit.errors import InvalidInput
from shelfaudit.evaluation.copy_transforms import TRANSFORMS
from shelfaudit.index import features as local
from shelfaudit.index.hash_index import HashIndex, HashRows
from shelfaudit.index.keypoint_keys import stored_keys
from shelfaudit.index.mih import LAYOUTS
from shelfaudit.index.search import (
    SearchConfig,
    keypoint_unmatched,
    local_matches,
    nearest_unmatched,
    query_of,
    search_hashes,
)
from shelfaudit.index.verify import verify

ANALYSIS_LONG_SIDE = 1024  # Settings.quality_long_side
# --------------------------------------------------------------------------- fingerprints


@dataclass(frozen=True)
class Fingerprint:
    hashes: HashResult
    features: local.LocalFeatures
    inside_bars: local.LocalFeatures | None = None
    mirrored: local.LocalFeatures | None = None


def fingerprint(data: bytes) -> Fingerprint:
    """What the pipeline computes for a photo: hashes, then local features (and those of
    the picture inside flat bars, when it has them, and of its mirror image)."""
    rgb = decode(data, target_long_side=ANALYSIS_LONG_SIDE, max_pixels=100_000_000).rgb
    inside = local.extract_inside_bars(rgb)
    return Fingerprint(
        hashes.compute(rgb),
        local.extract(rgb).features,
        inside.features if inside is not None else None,
        local.extract_mirrored(rgb).features,
    )


def _encode(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def fingerprint_file(path: Path) -> Fingerprint | None:
    try:
        return fingerprint(path.read_bytes())
    except InvalidInput:
        return None


def copies_of(path: Path, seed: int, names: tuple[str, ...]) -> list[Fingerprint]:
    """Fingerprints of one transformed copy per transform, in ``names`` order (none when
    the file cannot be read)."""
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except OSError:
        return []
    rng = np.random.default_rng(seed)
    out = []
    for name in names:
        copy, quality = TRANSFORMS[name][1](image, rng)
        out.append(fingerprint(_encode(copy, quality)))
    return out


# --------------------------------------------------------------------------- report


class TransformRecall(BaseModel):
    n: int
    target: float
    recall: float  # with the rep's recent photos verified (``context``)
    recall_global: float  # hash index candidates only
    by_hash: float  # found by the hash stage alone
    pdq_median: float  # distance of the copy's nearest variant to its source
    wrong_matches: int  # copies matching a photo other than their source


class DuplicatesReport(BaseModel):
    images: int
    distractors: int
    distinct: int
    context: int
    layout: str
    thresholds: dict[str, int]
    transforms: dict[str, TransformRecall]
    false_match_photos: int
    false_match_rate: float
    false_match_pairs: list[list[str]]
    same_scene_listed: int = 0  # pairs given as the same scene
    same_scene_found: int = 0  # of them, matched by the search
    same_scene_pairs: list[list[str]] = []
    # Every distinct pair verified by local features (``all_pairs``): as if every photo
    # were among every other's recent photos (one store, one rep).
    all_pairs_checked: int = 0
    all_pairs_matched: int = 0
    all_pairs_photo_rate: float = 0.0
    all_pairs_matches: list[list[str]] = []
    verify_ms_median: float
    verified_per_query: float
    seconds: float


def _distinct(paths: list[Path]) -> list[Path]:
    seen: set[str] = set()
    out = []
    for path in paths:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(path)
    return out


@dataclass
class _History:
    index: HashIndex
    inside: HashIndex  # what lies inside the flat bars of photos that have them
    features: dict[int, local.LocalFeatures]


@dataclass(frozen=True)
class _Outcome:
    hashed: set[int]  # matched by hashes
    nearest: set[int]  # verified because they were the nearest hash candidates
    verified: set[int]  # matched by local features
    count: int
    ms: float

    def matched(self, *, context: bool) -> set[int]:
        by_local = self.verified if context else self.verified & self.nearest
        return self.hashed | by_local


def _search(
    history: _History, probe: Fingerprint, recent: list[int], exclude: int, cfg: SearchConfig
) -> _Outcome:
    """Both settings at once: the nearest candidates first, then the rep's recent photos."""
    by_hash, candidates = search_hashes(
        history.index, probe.hashes, before_id=None, config=cfg, inside=history.inside
    )
    hashed = {m.photo_id for m in by_hash if m.photo_id != exclude}
    nearest = nearest_unmatched(candidates, hashed | {exclude}, cfg.verify_nearest)
    nearest += keypoint_unmatched(
        history.index,
        probe.features,
        hashed | {exclude} | set(nearest),
        before_id=None,
        config=cfg,
        inside_bars=probe.inside_bars,
        mirrored=probe.mirrored,
    )
    pool = nearest + [p for p in recent if p not in hashed and p != exclude and p not in nearest]
    outcome = local_matches(
        probe.features, pool, history.features.get, candidates, cfg, probe.mirrored
    )
    return _Outcome(
        hashed, set(nearest), {m.photo_id for m in outcome.matches}, outcome.verified, outcome.ms
    )


@dataclass(frozen=True)
class _Indexed:
    path: Path
    photo_id: int
    fingerprint: Fingerprint


def _index(photos: list[_Indexed], radius: int, layout: str) -> _History:
    rows = _stack([_row(p.photo_id, p.fingerprint) for p in photos])
    index = HashIndex(radius=radius, layout=LAYOUTS[layout], rows=rows)
    inside = HashIndex(radius=radius, rows=_inside_rows(photos))
    return _History(index, inside, {p.photo_id: p.fingerprint.features for p in photos})


def _inside_rows(photos: list[_Indexed]) -> HashRows:
    """The inside-bars rows of the photos that have bars (as the catalogue keeps them)."""
    found = [(p.photo_id, hashes.inside_hashes(p.fingerprint.hashes)) for p in photos]
    barred = [(photo_id, h) for photo_id, h in found if h is not None]
    if not barred:
        return HashRows.empty()
    return HashRows(
        ids=np.array([photo_id for photo_id, _ in barred], np.int64),
        pdq=np.stack([pdq_words(h[2]) for _, h in barred]),
        phash=np.array([hex_to_u64(h[0]) for _, h in barred], np.uint64),
        dhash=np.array([hex_to_u64(h[1]) for _, h in barred], np.uint64),
    )


def evaluate_duplicates(
    images: list[Path],
    *,
    distractors: list[Path] | None = None,
    config: SearchConfig | None = None,
    context: int = 12,
    layout: str = "11x23",
    radius: int = 31,
    workers: int = 0,
    seed: int = 20240611,
    transforms: tuple[str, ...] = tuple(TRANSFORMS),
    all_pairs: bool = False,
    same_scene: set[frozenset[str]] | None = None,
) -> DuplicatesReport:
    """Fingerprint, index, copy and search (see the module's description)."""
    started = time.perf_counter()
    cfg = config or SearchConfig()
    originals = _distinct(images)
    others = [p for p in _distinct(distractors or []) if p not in set(originals)]
    everything = originals + others
    with ProcessPoolExecutor(max_workers=workers or min(2, os.cpu_count() or 1)) as pool:
        prints = list(pool.map(fingerprint_file, everything, chunksize=4))
        copies = list(
            pool.map(
                copies_of,
                originals,
                range(seed, seed + len(originals)),
                [transforms] * len(originals),
            )
        )
    rng = np.random.default_rng(seed)
    ids = rng.permutation(len(everything)) + 1  # arrival order: random
    photos = [
        _Indexed(path, int(photo_id), f)
        for path, photo_id, f in zip(everything, ids, prints, strict=True)
        if f is not None
    ]
    history = _index(photos, radius, layout)
    all_ids = np.asarray([p.photo_id for p in photos], np.int64)

    def recent(source: int) -> list[int]:
        """A rep's ``context`` latest photos: the source (when there is one) and others."""
        picks = rng.choice(all_ids, size=min(context, len(all_ids)), replace=False).tolist()
        return [source, *(p for p in picks if p != source)][:context] if source else picks

    costs: list[tuple[float, int]] = []
    results = {
        name: _recall(
            history,
            [(int(ids[k]), c[t]) for k, c in enumerate(copies) if prints[k] is not None and c],
            recent,
            cfg,
            costs,
            TRANSFORMS[name][0],
        )
        for t, name in enumerate(transforms)
    }
    scenes = same_scene or set()
    flagged, false_pairs, scene_pairs = _false_matches(history, photos, recent, cfg, costs, scenes)
    pair_matches = _all_pairs(photos, cfg) if all_pairs else []
    in_pairs = {p for pair in pair_matches for p in pair}
    n = len(photos)
    return DuplicatesReport(
        images=len(originals),
        distractors=len(others),
        distinct=n,
        context=context,
        layout=layout,
        thresholds={
            "pdq_match": cfg.pdq_match,
            "vote_pdq": cfg.vote_pdq,
            "vote_phash": cfg.vote_phash,
            "vote_dhash": cfg.vote_dhash,
            "min_inliers": cfg.verify.min_inliers,
            "min_similarity_pct": round(100 * cfg.verify.min_similarity),
            "index_radius": radius,
        },
        transforms=results,
        false_match_photos=flagged,
        false_match_rate=round(flagged / n, 5) if n else 0.0,
        false_match_pairs=false_pairs[:50],
        same_scene_listed=len(scenes),
        same_scene_found=len(scene_pairs),
        same_scene_pairs=[sorted(pair) for pair in sorted(scene_pairs, key=sorted)][:50],
        all_pairs_checked=n * (n - 1) // 2 if all_pairs else 0,
        all_pairs_matched=len(pair_matches),
        all_pairs_photo_rate=round(len(in_pairs) / n, 5) if n and all_pairs else 0.0,
        all_pairs_matches=pair_matches[:50],
        verify_ms_median=round(float(np.median([c[0] for c in costs])), 2) if costs else 0.0,
        verified_per_query=round(float(np.mean([c[1] for c in costs])), 2) if costs else 0.0,
        seconds=round(time.perf_counter() - started, 1),
    )


def _recall(
    history: _History,
    probes: list[tuple[int, Fingerprint]],
    recent: Callable[[int], list[int]],
    cfg: SearchConfig,
    costs: list[tuple[float, int]],
    target: float,
) -> TransformRecall:
    """How many copies find their source, in both settings."""
    found = found_global = by_hash = wrong = 0
    pdqs = []
    for source, probe in probes:
        outcome = _search(history, probe, recent(source), 0, cfg)
        costs.append((outcome.ms, outcome.count))
        matched = outcome.matched(context=True)
        found += source in matched
        found_global += source in outcome.matched(context=False)
        by_hash += source in outcome.hashed
        wrong += bool(matched - {source})
        distance = history.index.distances(query_of(probe.hashes), [source])
        pdqs.append(int(distance.pdq[0]) if len(distance) else 256)
    n = len(probes)
    return TransformRecall(
        n=n,
        target=target,
        recall=round(found / n, 4) if n else 0.0,
        recall_global=round(found_global / n, 4) if n else 0.0,
        by_hash=round(by_hash / n, 4) if n else 0.0,
        pdq_median=float(np.median(pdqs)) if pdqs else 0.0,
        wrong_matches=wrong,
    )


def _false_matches(
    history: _History,
    photos: list[_Indexed],
    recent: Callable[[int], list[int]],
    cfg: SearchConfig,
    costs: list[tuple[float, int]],
    same_scene: set[frozenset[str]],
) -> tuple[int, list[list[str]], set[frozenset[str]]]:
    """Distinct photos that match another one, the pairs, and the same-scene pairs
    matched (by file name; they count as neither)."""
    names = {p.photo_id: str(p.path) for p in photos}
    flagged, pairs, scenes = 0, list[list[str]](), set[frozenset[str]]()
    for photo in photos:
        outcome = _search(history, photo.fingerprint, recent(0), photo.photo_id, cfg)
        costs.append((outcome.ms, outcome.count))
        others = []
        for other in sorted(outcome.matched(context=True) - {photo.photo_id}):
            pair = frozenset((photo.path.name, Path(names[other]).name))
            if pair in same_scene:
                scenes.add(pair)
            else:
                others.append(other)
        flagged += bool(others)
        pairs.extend([str(photo.path), names[o]] for o in others)
    return flagged, pairs, scenes


def read_same_scene(path: Path) -> set[frozenset[str]]:
    """Pairs of file names from a CSV with columns ``a,b`` (a header line, ``#`` comments)."""
    out = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line == "a,b":
            continue
        a, sep, b = line.partition(",")
        if not sep or not a.strip() or not b.strip():
            raise ValueError(f"{path}: expected 'a,b', got {line!r}")
        out.add(frozenset((Path(a.strip()).name, Path(b.strip()).name)))
    return out


def _all_pairs(photos: list[_Indexed], cfg: SearchConfig) -> list[list[str]]:
    """Distinct pairs that local features match (each pair verified once, the later photo
    also mirrored, as the search does)."""
    out = []
    for earlier, later in itertools.combinations(photos, 2):
        views = [later.fingerprint.features, later.fingerprint.mirrored]
        for view in (v for v in views if v is not None):
            if verify(view, earlier.fingerprint.features, cfg.verify).verified(cfg.verify):
                out.append([str(earlier.path), str(later.path)])
                break
    return out


def _row(photo_id: int, f: Fingerprint) -> HashRows:
    q = query_of(f.hashes)
    return HashRows(
        ids=np.array([photo_id], np.int64),
        pdq=q.pdq[:1],
        phash=q.phash[:1],
        dhash=q.dhash[:1],
        keys=stored_keys(f.features)[None],
    )


def _stack(rows: list[HashRows]) -> HashRows:
    if not rows:
        return HashRows.empty()
    return HashRows(
        ids=np.concatenate([r.ids for r in rows]),
        pdq=np.concatenate([r.pdq for r in rows]),
        phash=np.concatenate([r.phash for r in rows]),
        dhash=np.concatenate([r.dhash for r in rows]),
        keys=np.concatenate([r.keys for r in rows if r.keys is not None]),
    )


def sample(paths: list[Path], limit: int, seed: int) -> list[Path]:
    """At most ``limit`` of ``paths``, drawn at random but reproducibly, in path order."""
    if len(paths) <= limit:
        return paths
    picks = np.random.default_rng(seed).choice(len(paths), size=limit, replace=False)
    return [paths[int(i)] for i in sorted(picks)]


def report_lines(report: DuplicatesReport) -> list[str]:
    t = report.thresholds
    lines = [
        f"{report.images} photos copied, {report.distractors} distractors, "
        f"{report.distinct} distinct photos indexed (layout {report.layout}, "
        f"{report.context} recent photos per rep)",
        f"rules: PDQ <= {t['pdq_match']}, or PDQ <= {t['vote_pdq']} with pHash <= "
        f"{t['vote_phash']} and dHash <= {t['vote_dhash']}; local features >= "
        f"{t['min_inliers']} inliers and similarity >= {t['min_similarity_pct'] / 100:.2f}",
        "",
        f"{'transform':<14}{'n':>5}{'recall':>8}{'global':>8}{'hash':>7}{'target':>8}"
        f"{'PDQ p50':>9}{'wrong':>7}",
    ]
    for name, r in report.transforms.items():
        mark = "" if r.recall >= r.target else "  below target"
        lines.append(
            f"{name:<14}{r.n:>5}{r.recall:>8.3f}{r.recall_global:>8.3f}{r.by_hash:>7.3f}"
            f"{r.target:>8.2f}{r.pdq_median:>9.0f}{r.wrong_matches:>7}{mark}"
        )
    lines += [
        "",
        f"false matches: {report.false_match_photos} of {report.distinct} distinct photos "
        f"({report.false_match_rate:.3%})",
        *(f"  {a}  ~  {b}" for a, b in report.false_match_pairs[:10]),
        *(
            [
                f"same scene (listed, not distinct): {report.same_scene_found} of "
                f"{report.same_scene_listed} pairs matched"
            ]
            if report.same_scene_listed
            else []
        ),
        f"local features: {report.verified_per_query:.1f} photos verified per query, "
        f"{report.verify_ms_median:.1f} ms (median); {report.seconds:.0f} s in all",
    ]
    if report.all_pairs_checked:
        lines += [
            f"all pairs: {report.all_pairs_matched} of {report.all_pairs_checked} distinct pairs "
            f"match by local features; {report.all_pairs_photo_rate:.3%} of photos in one",
            *(f"  {a}  ~  {b}" for a, b in report.all_pairs_matches[:20]),
        ]
    return lines
