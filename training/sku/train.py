"""Train the SKU embedding model on GroceryStore from scratch, on the CPU, and export it.

Usage::

    python -m training.sku.train --root ../shared/datasets/grocery_store --epochs 40 \
        [--out runs/sku] [--resume | --init-weights training/checkpoints/sku_embedder.pt]

Each batch mixes in-store photos (random crops, colour, rotation, JPEG) with packshots pasted
on real store backgrounds (``--many-share`` of them as heaps of loose produce or rows of
facings), all as samples of their fine class under a CosFace head, so a class's packshot and
its shelf photos land near one proxy. The epoch's state goes to ``OUT/last.pt`` (``--resume``
continues from it); after every epoch the packshot-gallery top-1 on val is printed. The last
epoch is exported to ``OUT/sku_embedder.onnx`` (``--export best`` takes the epoch with the best
val top-1 instead, which lets val choose and so flatters the val figure).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from shelfaudit.ml.embedder import to_input
from shelfaudit.ml.packshot import foreground_mask, tight
from training.sku.data import (
    STORE_SIDE,
    Augment,
    load_rgb,
    read_classes,
    read_split,
)
from training.sku.export import export_onnx
from training.sku.model import CosFace, EmbedNet

REPO_ROOT = Path(__file__).resolve().parents[2]


def is_loose(packshot: Path) -> bool:
    """Produce sold loose (GroceryStore files its packshots under Fruit/ and Vegetables/)."""
    return bool({"Fruit", "Vegetables"} & set(packshot.parts))


def embed(model: EmbedNet, crops: list[np.ndarray], size: int) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(crops), 128):
            x = torch.from_numpy(np.stack([to_input(c, size) for c in crops[i : i + 128]]))
            out.append(model(x).numpy())
    return np.concatenate(out)


def topk(
    query: np.ndarray, gallery: np.ndarray, labels: np.ndarray, truth: np.ndarray
) -> dict[str, float]:
    sims = query @ gallery.T
    order = np.argsort(-sims, axis=1)
    ranked = labels[order]
    top1 = float(np.mean(ranked[:, 0] == truth))
    # top-5 over distinct classes
    hits = []
    for row, t in zip(ranked, truth, strict=True):
        seen: list[int] = []
        for c in row:
            if c not in seen:
                seen.append(int(c))
            if len(seen) == 5:
                break
        hits.append(t in seen)
    return {"top1": top1, "top5": float(np.mean(hits))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT / "../shared/datasets/grocery_store")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "runs/sku")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--size", type=int, default=112)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--packshot-share", type=float, default=0.25)
    parser.add_argument(
        "--white-share", type=float, default=0.2, help="packshots left on white, not pasted"
    )
    parser.add_argument(
        "--many-share",
        type=float,
        default=0.0,
        help="packshots shown as many copies: heaps of produce, rows of facings of packs",
    )
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--export", choices=("last", "best"), default="last")
    parser.add_argument(
        "--init-weights",
        type=Path,
        help="start from these embedder weights (training/checkpoints/sku_embedder.pt)",
    )
    args = parser.parse_args()
    if args.batch < 4:
        parser.error("--batch must be at least 4: batch norm needs several crops per step")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    root = args.root.resolve()
    args.out.mkdir(parents=True, exist_ok=True)

    started = time.time()
    classes = read_classes(root)
    train = read_split(root / "train.txt", root)
    val = read_split(root / "val.txt", root)
    photos = [load_rgb(s.path, STORE_SIDE) for s in train]
    labels = np.array([s.fine_id for s in train])
    val_photos = [load_rgb(s.path, STORE_SIDE) for s in val]
    val_labels = np.array([s.fine_id for s in val])
    packs = []
    for c in classes:
        rgb = load_rgb(c.packshot)
        packs.append(tight(rgb, foreground_mask(rgb)))
    pack_clean = [load_rgb(c.packshot) for c in classes]
    pack_labels = np.array([c.fine_id for c in classes])
    loose = [is_loose(c.packshot) for c in classes]
    print(
        f"loaded {len(photos)} train, {len(val_photos)} val, {len(packs)} packshots "
        f"in {time.time() - started:.0f}s",
        flush=True,
    )

    augment = Augment(rng, photos, white_share=args.white_share, many_share=args.many_share)
    n_classes = len(classes)
    model = EmbedNet(dim=args.dim)
    if args.init_weights is not None:
        init = torch.load(args.init_weights, map_location="cpu", weights_only=False)
        model.load_state_dict(init["model"])
        print(f"weights from {args.init_weights} (epoch {init.get('epoch')})", flush=True)
    head = CosFace(args.dim, n_classes)
    params = list(model.parameters()) + list(head.parameters())
    optim = torch.optim.AdamW(params, lr=args.lr, weight_decay=5e-4)
    # At least one step: a small export of field examples holds fewer photos than a batch.
    steps_per_epoch = max(1, len(photos) // int(args.batch * (1 - args.packshot_share)))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        optim, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.1
    )
    start_epoch, best = 0, -1.0
    history: list[dict[str, float]] = []
    last = args.out / "last.pt"
    if args.resume and last.exists():
        state = torch.load(last, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        head.load_state_dict(state["head"])
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        start_epoch, best, history = state["epoch"] + 1, state["best"], state["history"]
        rng = np.random.default_rng(args.seed + start_epoch)
        augment.rng = rng
        print(f"resumed after epoch {start_epoch}", flush=True)

    n_pack = round(args.batch * args.packshot_share)
    n_photo = args.batch - n_pack
    for epoch in range(start_epoch, args.epochs):
        model.train()
        t0 = time.time()
        order = rng.permutation(len(photos))
        losses = []
        for step in range(steps_per_epoch):
            idx = order[step * n_photo : (step + 1) * n_photo]
            pk = rng.integers(0, n_classes, n_pack)
            crops = [augment.photo(photos[i]) for i in idx] + [
                augment.packshot(*packs[k], loose=loose[k]) for k in pk
            ]
            y = torch.from_numpy(np.concatenate([labels[idx], pack_labels[pk]]))
            x = torch.from_numpy(np.stack([to_input(c, args.size) for c in crops]))
            loss = functional.cross_entropy(head(model(x), y), y, label_smoothing=0.1)
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
            losses.append(float(loss.detach()))
        gallery = embed(model, pack_clean, args.size)
        queries = embed(model, val_photos, args.size)
        scores = topk(queries, gallery, pack_labels, val_labels)
        record = {
            "epoch": epoch,
            "loss": float(np.mean(losses)),
            **scores,
            "seconds": time.time() - t0,
        }
        history.append(record)
        print(json.dumps(record), flush=True)
        if scores["top1"] > best:
            best = scores["top1"]
            torch.save(
                {
                    "model": model.state_dict(),
                    "epoch": epoch,
                    "scores": scores,
                    "args": vars(args) | {"root": str(args.root), "out": str(args.out)},
                },
                args.out / "best.pt",
            )
        torch.save(
            {
                "model": model.state_dict(),
                "head": head.state_dict(),
                "optim": optim.state_dict(),
                "sched": sched.state_dict(),
                "epoch": epoch,
                "best": best,
                "history": history,
            },
            last,
        )

    exported = torch.load(args.out / f"{args.export}.pt", map_location="cpu", weights_only=False)
    model.load_state_dict(exported["model"])
    export_onnx(model, args.size, args.out / "sku_embedder.onnx")
    (args.out / "history.json").write_text(json.dumps(history, indent=1))
    print(
        f"{args.export} epoch {exported['epoch']} {history[exported['epoch']]}; "
        f"exported {args.out / 'sku_embedder.onnx'} after {time.time() - started:.0f}s",
        flush=True,
    )


if __name__ == "__main__":
    main()
