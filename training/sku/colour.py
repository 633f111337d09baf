"""Add colour to a published SKU embedder's search (``shelfaudit.ml.colour``).

Usage::

    python -m training.sku.colour [--root ../shared/datasets/grocery_store] [--models-dir models]

The colour weight is chosen on the *train* photos, without labels deciding it: it makes the
colour score spread as widely as the embedding's cosine over every (train photo, packshot)
pair, ``w = std(cosine) / std(bhattacharyya)``, so neither score drowns the other. (Accuracy
on train cannot choose it: the embedder has learnt those photos, top-1 0.999 with or without
colour.) Then the served model and its float32 source are measured on val as the service
searches, with and without colour, the open-set threshold is chosen again on the new scores
(``publish.open_set_threshold``), and the registry entry gets ``colour``, the new
``min_similarity`` and val figures. The measurements go to ``sku/colour-metrics.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from shelfaudit.evaluation.sku import (
    GalleryKind,
    embed_files,
    evaluate_split,
    photo_loader,
    read_classes,
    read_split,
)
from shelfaudit.ml.colour import ColourSignature
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots
from training.sku.publish import MODELS_DIR, NAME, load_embedder, open_set_threshold

LOAD = photo_loader(1024, 50_000_000)


def scale_matched_weight(embedder: Embedder, root: Path, colour: ColourSignature) -> float:
    """``std(cosine) / std(bhattacharyya)`` over every (train photo, packshot) pair.

    Read from the vectors the service searches with ``colour`` at weight 1: their first
    ``dim`` numbers are the embedding and the rest the colours, each scaled by the same
    1 / sqrt(2), which the ratio of the two spreads does not see."""
    joined = dataclasses.replace(embedder, colour=dataclasses.replace(colour, weight=1.0))
    classes = read_classes(root)
    train = read_split(root / "train.txt", root)
    photos = embed_files(joined, [s.path for s in train], LOAD)
    packshots = embed_packshots(joined, [LOAD(c.packshot) for c in classes])
    d = embedder.dim
    cosine = photos[:, :d] @ packshots[:, :d].T
    bhattacharyya = photos[:, d:] @ packshots[:, d:].T
    return float(cosine.std() / bhattacharyya.std())


def measure(embedder: Embedder, root: Path) -> dict[str, Any]:
    """Val top-1 / top-5 / coarse per gallery kind and the open-set threshold."""
    reports = {
        kind.value: {
            key: value
            for key, value in evaluate_split(
                root / "val.txt", root, gallery_kind=kind, embedder=embedder, load=LOAD
            )
            .model_dump(mode="json")
            .items()
            if key in ("n", "top1", "top5", "top1_coarse", "per_class")
        }
        for kind in GalleryKind
    }
    return {"reports": reports, "open_set": open_set_threshold(embedder, root)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("../shared/datasets/grocery_store"))
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--bins", type=int, nargs=3, default=[16, 4, 4])
    args = parser.parse_args()
    registry_path = args.models_dir / "registry.json"
    registry = json.loads(registry_path.read_text())
    entry = registry["models"][NAME]
    meta = entry["meta"]
    mirror = meta.get("query_views") == "mirror"
    zooms = tuple(meta.get("close_up_zooms") or ())
    files = {"served": (entry["file"], entry["version"])}
    if meta.get("float_file"):
        files["float32"] = (meta["float_file"], entry["version"].removesuffix("-int8"))
    embedders = {
        name: load_embedder(
            args.models_dir / file,
            version,
            meta["input_size"],
            meta["dim"],
            mirror=mirror,
            zooms=zooms,
        )
        for name, (file, version) in files.items()
    }
    unit = ColourSignature(bins=tuple(args.bins), weight=1.0)  # type: ignore[arg-type]
    weight = round(
        scale_matched_weight(embedders.get("float32", embedders["served"]), args.root, unit), 4
    )
    colour = dataclasses.replace(unit, weight=weight)
    results: dict[str, Any] = {"colour": colour.to_meta(), "weight_rule": "std(cos)/std(bc), train"}
    for name, embedder in embedders.items():
        results[name] = {
            "without_colour": measure(embedder, args.root),
            "with_colour": measure(dataclasses.replace(embedder, colour=colour), args.root),
        }
    (args.models_dir / "sku" / "colour-metrics.json").write_text(
        json.dumps(results, indent=1) + "\n"
    )
    served = results["served"]["with_colour"]
    meta.update(
        {
            "colour": colour.to_meta(),
            "min_similarity": served["open_set"]["min_similarity"],
            "val_top1_iconic": served["reports"]["iconic"]["top1"],
            "val_top5_iconic": served["reports"]["iconic"]["top5"],
            "val_top1_train": served["reports"]["train"]["top1"],
        }
    )
    registry_path.write_text(json.dumps(registry, indent=2) + "\n")
    print(
        json.dumps(
            {
                name: {
                    side: {
                        kind: {m: r[m] for m in ("top1", "top5", "top1_coarse")}
                        for kind, r in part["reports"].items()
                    }
                    | {"open_set": part["open_set"]}
                    for side, part in results[name].items()
                }
                for name in embedders
            }
            | {"colour": colour.to_meta()},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
