"""What the detector quantisation keeps float, and how it edits a model card."""

from __future__ import annotations

from pathlib import Path

import onnx

from training.detect.quantize import SECTION, head_decode_nodes, update_card

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_the_head_decoding_of_the_shipped_outlet_model_stays_float() -> None:
    path = MODELS / "outlet" / "outlet-v3.onnx"
    names = head_decode_nodes(path)
    nodes = {n.name: n for n in onnx.load(str(path)).graph.node}

    assert names
    assert all(name.startswith("/model.23/") for name in names)
    assert {nodes[name].op_type for name in names} >= {"Sigmoid", "Softmax", "Concat"}
    assert "Conv" not in {nodes[name].op_type for name in names}
    # The head's own convolutions (most of its cost) are quantised.
    assert any(n.startswith("/model.23/") and nodes[n].op_type == "Conv" for n in nodes)


CARD = """# outlet v3

| | |
|---|---|
| file | `outlet/outlet-v3.onnx` |
| sha256 | `aaaa` |

## Metrics on val
numbers

## Known weaknesses
weak
"""


def test_the_card_points_at_the_served_file_and_keeps_one_int8_section(tmp_path: Path) -> None:
    card = tmp_path / "CARD.md"
    card.write_text(CARD)

    update_card(card, f"{SECTION}\nfirst\n", file="outlet/outlet-v3-int8.onnx", sha256="bbbb")
    update_card(card, f"{SECTION}\nsecond\n", file="outlet/outlet-v3-int8.onnx", sha256="cccc")

    text = card.read_text()
    assert "| file | `outlet/outlet-v3-int8.onnx` |\n| sha256 | `cccc` |" in text
    assert text.count(SECTION) == 1
    assert "first" not in text
    assert text.index("## Metrics on val") < text.index("second") < text.index("## Known")
    assert text.endswith("## Known weaknesses\nweak\n")
