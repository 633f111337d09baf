"""Which file of an int8 model is served: int8 only where the CPU has int8 dot products."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfaudit.ml import cpu, registry
from shelfaudit.ml.registry import Registry, file_sha256
from shelfaudit.settings import Int8Models, Settings
from tests.unit.ml.test_registry import tiny_model

SKYLAKE = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 avx512f avx512bw\nbugs\t\t: spectre\n"
ICE_LAKE = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n"
ALDER_LAKE = "processor\t: 0\nflags\t\t: fpu avx2 avx_vnni\n"
NEOVERSE = "processor\t: 0\nFeatures\t: fp asimd aes asimddp sha512\n"


@pytest.mark.parametrize(
    ("cpuinfo", "native"),
    [(SKYLAKE, False), (ICE_LAKE, True), (ALDER_LAKE, True), (NEOVERSE, True), ("", False)],
    ids=["avx512-without-vnni", "avx512-vnni", "avx-vnni", "arm-dotprod", "unknown"],
)
def test_int8_dot_products_are_read_from_cpuinfo(cpuinfo: str, native: bool) -> None:
    assert bool(cpu.cpu_flags(cpuinfo) & cpu.INT8_DOT_FLAGS) is native


def int8_registry(root: Path) -> None:
    for name in ("m-v2.onnx", "m-v2-int8.onnx"):
        tiny_model(root / name)
    listed = {
        "file": "m-v2-int8.onnx",
        "sha256": file_sha256(root / "m-v2-int8.onnx"),
        "version": "v2-int8",
        "task": "test",
        "meta": {"float_file": "m-v2.onnx", "float_sha256": file_sha256(root / "m-v2.onnx")},
    }
    plain = {"file": "m-v2.onnx", "sha256": file_sha256(root / "m-v2.onnx"), "version": "v1"}
    manifest = {"models": {"m": listed, "plain": {**plain, "task": "test"}}}
    (root / "registry.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("int8", "native", "file", "version"),
    [
        (True, False, "m-v2-int8.onnx", "v2-int8"),
        (False, True, "m-v2.onnx", "v2"),
        (None, True, "m-v2-int8.onnx", "v2-int8"),
        (None, False, "m-v2.onnx", "v2"),
    ],
)
def test_the_float32_source_is_served_where_int8_is_not_native(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    int8: bool | None,
    native: bool,
    file: str,
    version: str,
) -> None:
    int8_registry(tmp_path)
    monkeypatch.setattr(registry, "int8_is_native", lambda: native)
    loaded = Registry.load(tmp_path, int8=int8)
    entry = loaded.entry("m")
    assert (entry.file, entry.version) == (file, version)
    assert loaded.verified_path("m") == tmp_path / file  # the sha256 checked is the file's
    assert loaded.entry("plain").file == "m-v2.onnx"  # a float-only model is left alone


@pytest.mark.parametrize(
    ("mode", "int8"), [(Int8Models.auto, None), (Int8Models.on, True), (Int8Models.off, False)]
)
def test_the_int8_setting(mode: Int8Models, int8: bool | None) -> None:
    assert Settings(onnx_int8=mode).int8_models is int8


def test_the_shipped_int8_models_name_their_float32_sources() -> None:
    models = Path(__file__).resolve().parents[3] / "models"
    listed = Registry.load_listed(models)
    floats = Registry.load(models, int8=False)
    for name, entry in listed.entries.items():
        if entry.version.endswith("-int8"):
            assert floats.entry(name).version == entry.version.removesuffix("-int8")
            floats.verified_path(name)


def test_an_int8_entry_without_its_float_checksum_is_an_integrity_error() -> None:
    from shelfaudit.errors import ModelIntegrityError
    from shelfaudit.ml.registry import ModelEntry

    entry = ModelEntry(
        name="m",
        file="m-int8.onnx",
        sha256="0" * 64,
        version="v2-int8",
        task="test",
        meta={"float_file": "m.onnx"},
    )
    with pytest.raises(ModelIntegrityError, match="float_sha256"):
        entry.as_float()


@pytest.mark.parametrize(
    ("int8", "native", "file"),
    [
        (None, False, "m-v2-int8.onnx"),  # measured without dot products too
        (None, True, "m-v2-int8.onnx"),
        (False, False, "m-v2.onnx"),  # SHELFAUDIT_ONNX_INT8=off still wins
    ],
)
def test_an_int8_model_measured_without_dot_products_is_served_there_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, int8: bool | None, native: bool, file: str
) -> None:
    int8_registry(tmp_path)
    manifest = json.loads((tmp_path / "registry.json").read_text())
    manifest["models"]["m"]["meta"]["int8_without_dot_products"] = True
    (tmp_path / "registry.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(registry, "int8_is_native", lambda: native)
    assert Registry.load(tmp_path, int8=int8).entry("m").file == file


def test_of_the_shipped_models_only_the_outlet_detector_runs_int8_everywhere() -> None:
    models = Path(__file__).resolve().parents[3] / "models"
    listed = Registry.load_listed(models).entries
    everywhere = {n for n, e in listed.items() if e.meta.get("int8_without_dot_products")}
    assert everywhere == {"outlet"}  # models/outlet/CARD.md measures it on an AVX2-only CPU
