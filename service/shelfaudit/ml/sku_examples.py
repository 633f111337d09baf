"""A SKU's reference pictures as gallery vectors, each kind embedded as what it will meet.

A packshot is a clean product on white, so it is embedded through staged views
(``ml/packshot.py``). A field example (a facing a person confirmed on a real photo) already
looks like what the pipeline searches: a shelf crop is embedded exactly as a product crop
(``Embedder.embed_queries``) and a whole close-up as a close-up (``embed_close_ups``). On
GroceryStore val, a gallery holding the train photos as close-ups next to the packshots
names 0.527 of the photos right against 0.490 with the packshots alone with
``sku_embedder`` v2 (0.557 against 0.524 with v3, 0.632 against 0.625 with v5)
(``shelfaudit eval sku --gallery both``), so confirmed field examples closed part of the
packshot-to-shelf gap without retraining. With colours appended (``ml/colour.py``) v5 gives
0.649 with the train photos against 0.662 without: the packshots gained more from colour, and
the train photos are ones the model learnt, so unseen field examples are not measured here.

``example_version`` names the model and the views that made a stored vector: when either
changes, the catalogue embeds the example again from its stored picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.enums import ExampleKind
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.packshot import embed_packshots, packshot_version


def _views_tag(embedder: Embedder, *, zooms: bool) -> str:
    tag = "mirror" if embedder.mirror_queries else "plain"
    if zooms and embedder.close_up_zooms:
        tag += "-z" + ",".join(f"{z:g}" for z in embedder.close_up_zooms)
    if embedder.colour:
        tag += f"-{embedder.colour.tag}"
    return tag


def example_version(embedder: Embedder, kind: ExampleKind) -> str:
    """What a stored vector of this kind was made with; another value means embed again."""
    if kind is ExampleKind.packshot:
        return packshot_version(embedder)
    if kind is ExampleKind.shelf_crop:
        return f"{embedder.version}+crop-{_views_tag(embedder, zooms=False)}"
    return f"{embedder.version}+close-up-{_views_tag(embedder, zooms=True)}"


def embed_examples(
    embedder: Embedder, kind: ExampleKind, images: Sequence[NDArray[np.uint8]]
) -> NDArray[np.float32]:
    """(N, dim) unit vectors for N upright RGB pictures of one kind."""
    if kind is ExampleKind.packshot:
        return embed_packshots(embedder, list(images))
    if kind is ExampleKind.shelf_crop:
        return embedder.embed_queries(images)
    return embedder.embed_close_ups(images)


def gallery_version(embedder: Embedder) -> str:
    """The versions of every kind together: a gallery built under another value is stale."""
    return " ".join(example_version(embedder, kind) for kind in ExampleKind)
