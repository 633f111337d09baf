"""The matching rules of both stages, free of the database so tests and evaluations share them.

Stage 1 (hashes): the new photo's eight dihedral variants (and what lies inside its flat
bars) are looked up in the PDQ index, and in the second index of what lies inside earlier
photos' bars.
A photo matches when its PDQ is within ``pdq_match`` of a variant or, a little further
(``vote_pdq``), when pHash and dHash of the same variant agree too. A photo whose PDQ
quality is low (flat, dark) needs all three.

Stage 2 (local features): earlier photos the hashes did not match (the nearest PDQ
candidates, the photos sharing most keypoint keys with it, plus whatever the caller adds:
the same store's and rep's recent photos) are verified with ORB matches and a RANSAC
homography; enough inliers make a match. The keypoint candidates are what finds a crop or
a straightened copy of a photo sent by anyone, anywhere (its hashes are far from the
source's). ORB descriptors do not survive a mirror, so the mirrored photo's own features
are looked up and verified too: a copy mirrored and cropped (two taps in a gallery app)
matches them. A stage-2 match is named by the fitted map's quarter turn and the view that
matched, not by the hash variant that happened to be nearest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from shelfaudit.analyse.duplicates import hex_to_u64, pdq_words
from shelfaudit.analyse.hashes import BARS_REMOVED, DIHEDRAL, INSIDE_BOTH, TRIMMED_VARIANT
from shelfaudit.domain.checks import HashResult
from shelfaudit.index.features import LocalFeatures
from shelfaudit.index.hash_index import Candidates, HashIndex, Query
from shelfaudit.index.keypoint_keys import probe_keys, query_keys
from shelfaudit.index.keypoint_postings import DEFAULT_MAX_POSTING
from shelfaudit.index.verify import Verification, VerifyConfig, verify

Stage = Literal["hash", "local_features"]

# How a new photo differs from an earlier one, by query variant (HashResult order: the
# eight dihedral undos, then the content inside the photo's flat bars when it has them);
# then the same, found among the pictures inside earlier photos' bars (INSIDE_OFFSET on).
INSIDE_OFFSET = len(DIHEDRAL) + 1
VARIANT_NAMES: tuple[str, ...] = (
    *DIHEDRAL,
    TRIMMED_VARIANT,
    *(BARS_REMOVED if name == "identity" else f"{name}+{BARS_REMOVED}" for name in DIHEDRAL),
    INSIDE_BOTH,  # inside its bars, the earlier photo inside its own bars: nothing added
)


@dataclass(frozen=True)
class SearchConfig:
    pdq_match: int = 31  # PDQ alone (Facebook's own threshold for PDQ matches is 31)
    vote_pdq: int = 40  # PDQ up to here when pHash and dHash agree as well
    vote_phash: int = 6
    vote_dhash: int = 6
    min_quality: int = 50  # below, PDQ alone is not trusted (pdqhash's own advice)
    keep_within: int = 64  # hash candidates returned for the second stage, at most this far
    verify_nearest: int = 8  # of them, the nearest unmatched ones are verified
    max_verify: int = 40  # verifications per photo, all sources together
    keypoint_nearest: int = 4  # photos sharing most keypoint keys, verified (0: none)
    keypoint_min_votes: int = 3  # keys a photo must share to be one of them
    keypoint_max_posting: int = DEFAULT_MAX_POSTING
    # Keys one bit away are looked up too (keypoint_keys.probe_keys) while the index holds
    # fewer photos than this: 9 ms p95 at 1 M photos, 73 ms at 10 M, where the exact keys
    # alone take 2 ms (benchmarks/bench_dedup_index.py --keypoints).
    keypoint_probe_below: int = 2_000_000
    verify: VerifyConfig = field(default_factory=VerifyConfig)


@dataclass(frozen=True)
class Match:
    photo_id: int
    stage: Stage
    variant: int  # index into VARIANT_NAMES: how the new photo differs from this one
    pdq_distance: int
    phash_distance: int
    dhash_distance: int
    inliers: int | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class LocalOutcome:
    matches: list[Match]
    verified: int  # candidates actually verified
    missing: int  # candidates without features
    ms: float


def query_of(hashes: HashResult) -> Query:
    """The index query for a photo's hashes (all eight variants when present)."""
    pdqs = hashes.pdq_variants or (hashes.pdq,)
    phashes = hashes.phash_variants or (hashes.phash,)
    dhashes = hashes.dhash_variants or (hashes.dhash,)
    return Query(
        pdq=np.stack([pdq_words(p) for p in pdqs]),
        phash=np.array([hex_to_u64(p) for p in phashes], np.uint64),
        dhash=np.array([hex_to_u64(d) for d in dhashes], np.uint64),
    )


def hash_matches(candidates: Candidates, quality: int, config: SearchConfig) -> list[Match]:
    """Candidates that match by hashes, nearest first."""
    vote = (candidates.phash <= config.vote_phash) & (candidates.dhash <= config.vote_dhash)
    if quality < config.min_quality:
        ok = (candidates.pdq <= config.pdq_match) & vote
    else:
        ok = (candidates.pdq <= config.pdq_match) | ((candidates.pdq <= config.vote_pdq) & vote)
    return [_match(candidates, int(i), "hash") for i in np.flatnonzero(ok)]


def nearest_unmatched(candidates: Candidates, matched: Iterable[int], count: int) -> list[int]:
    """Ids of the ``count`` nearest candidates (by PDQ) that did not match by hashes."""
    skip = set(matched)
    return [int(i) for i in candidates.ids.tolist() if int(i) not in skip][:count]


def keypoint_unmatched(
    index: HashIndex,
    features: LocalFeatures,
    matched: Iterable[int],
    *,
    before_id: int | None,
    config: SearchConfig,
    inside_bars: LocalFeatures | None = None,
    mirrored: LocalFeatures | None = None,
) -> list[int]:
    """Ids of the ``keypoint_nearest`` photos sharing most keypoint keys with the new one
    (its features, and those of the picture inside its bars when it has them), then as many
    again for its mirror image (a vote of their own: mixed in, the mirror's chance keys
    pushed true sources out of the first few), leaving out ``matched`` ones."""
    if config.keypoint_nearest <= 0:
        return []
    skip = set(matched)
    found: list[int] = []
    for views in ((features, inside_bars), (mirrored,)):
        present = [f for f in views if f is not None and len(f)]
        if not present:
            continue
        keys = np.unique(np.concatenate([query_keys(f) for f in present]))
        voted = index.keypoint_search(
            probe_keys(keys) if len(index) < config.keypoint_probe_below else keys,
            before_id=before_id,
            min_votes=config.keypoint_min_votes,
            limit=config.keypoint_nearest + len(skip),
            max_posting=config.keypoint_max_posting,
        )
        fresh = [int(i) for i in voted.ids.tolist() if int(i) not in skip]
        found += fresh[: config.keypoint_nearest]
        skip.update(found)
    return found


def _match(
    candidates: Candidates, i: int, stage: Stage, result: Verification | None = None
) -> Match:
    return Match(
        photo_id=int(candidates.ids[i]),
        stage=stage,
        variant=int(candidates.variant[i]),
        pdq_distance=int(candidates.pdq[i]),
        phash_distance=int(candidates.phash[i]),
        dhash_distance=int(candidates.dhash[i]),
        inliers=result.inliers if result else None,
        similarity=result.similarity if result else None,
    )


# A stage-2 match's variant: (matched the mirrored view, quarter turn) -> name. The new
# photo mirrored is the earlier one turned, so the new photo is a flip of a turn.
_TURNED = {
    (False, 0): "identity",
    (False, 90): "rotate_90",
    (False, 180): "rotate_180",
    (False, 270): "rotate_270",
    (True, 0): "flip_horizontal",
    (True, 90): "transverse",
    (True, 180): "flip_vertical",
    (True, 270): "transpose",
}


def local_matches(
    query: LocalFeatures,
    candidate_ids: list[int],
    load: Callable[[int], LocalFeatures | None],
    distances: Candidates,
    config: SearchConfig,
    mirrored: LocalFeatures | None = None,
) -> LocalOutcome:
    """Verify candidates in order (at most ``max_verify``); those with enough inliers match.

    ``load`` returns a candidate's features (None when they cannot be had); ``distances``
    holds the candidates' hash distances, reported with each match as evidence (those of
    the variant the match names, -1 when it is not among the hashed ones). ``mirrored``:
    the features of the new photo mirrored left to right, tried where ``query`` fails.
    """
    started = time.perf_counter()
    where = {int(photo_id): i for i, photo_id in enumerate(distances.ids.tolist())}
    out: list[Match] = []
    verified = missing = 0
    for photo_id in list(dict.fromkeys(candidate_ids))[: config.max_verify]:
        features = load(photo_id)
        if features is None:
            missing += 1
            continue
        verified += 1
        result: Verification = verify(query, features, config.verify)
        flipped = False
        if not result.verified(config.verify) and mirrored is not None and len(mirrored):
            result, flipped = verify(mirrored, features, config.verify), True
        if not result.verified(config.verify):
            continue
        variant = VARIANT_NAMES.index(_TURNED[flipped, result.turn])
        i = where.get(photo_id)
        if i is None or int(distances.variant[i]) != variant:
            out.append(
                Match(
                    photo_id,
                    "local_features",
                    variant,
                    -1,
                    -1,
                    -1,
                    result.inliers,
                    result.similarity,
                )
            )
        else:
            out.append(_match(distances, i, "local_features", result))
    out.sort(key=lambda m: -(m.inliers or 0))
    return LocalOutcome(out, verified, missing, (time.perf_counter() - started) * 1000)


def search_hashes(
    index: HashIndex,
    hashes: HashResult,
    *,
    before_id: int | None,
    config: SearchConfig,
    inside: HashIndex | None = None,
) -> tuple[list[Match], Candidates]:
    """Stage 1: hash matches, and every candidate found (for stage 2 and evidence).

    ``inside`` holds the hashes of what lies inside earlier photos' flat bars; a photo
    found there carries its query variant plus ``INSIDE_OFFSET``, and each photo keeps
    its nearest finding of the two indexes.
    """
    query = query_of(hashes)
    candidates = index.search(query, before_id=before_id, keep_within=config.keep_within)
    if inside is not None and len(inside):
        found = inside.search(query, before_id=before_id, keep_within=config.keep_within)
        if len(found):
            shifted = replace(found, variant=found.variant + INSIDE_OFFSET)
            candidates = nearest_per_photo(concat(candidates, shifted))
    return hash_matches(candidates, hashes.pdq_quality, config), candidates


def concat(a: Candidates, b: Candidates) -> Candidates:
    """Both sets of candidates, ``a``'s first (a photo may be in both)."""
    if len(b) == 0:
        return a
    return Candidates(
        ids=np.concatenate([a.ids, b.ids]),
        pdq=np.concatenate([a.pdq, b.pdq]),
        phash=np.concatenate([a.phash, b.phash]),
        dhash=np.concatenate([a.dhash, b.dhash]),
        variant=np.concatenate([a.variant, b.variant]),
    )


def nearest_per_photo(c: Candidates) -> Candidates:
    """One entry per photo, its nearest (PDQ, then pHash + dHash, then the lower variant),
    nearest first, as ``HashIndex.search`` orders them."""
    close = c.phash + c.dhash
    order = np.lexsort((c.variant, close, c.pdq, c.ids))
    first = np.ones(len(order), np.bool_)
    first[1:] = c.ids[order][1:] != c.ids[order][:-1]
    pick = order[first]
    pick = pick[np.lexsort((close[pick], c.pdq[pick]))]
    return Candidates(
        ids=c.ids[pick],
        pdq=c.pdq[pick],
        phash=c.phash[pick],
        dhash=c.dhash[pick],
        variant=c.variant[pick],
    )
