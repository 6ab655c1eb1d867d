"""WebDataset shards, read back with the webdataset library."""

import json

import numpy as np
import pytest

from simgen.io.export import ExportOptions, export
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_png16


def test_webdataset_samples_roundtrip(out, tmp_path):
    wds = pytest.importorskip("webdataset")
    export(out, ["webdataset"], tmp_path, ExportOptions(progress=False))
    shards = sorted(str(p) for p in (tmp_path / "webdataset").glob("simgen-*.tar"))
    assert len(shards) == 1
    samples = list(wds.WebDataset(shards, shardshuffle=False).decode())
    assert [s["__key__"] for s in samples] == ["000000", "000001"]
    for s in samples:
        d = out / "scenes" / s["__key__"]
        cam = json.loads((d / "camera.json").read_text())
        assert s["camera.json"] == cam
        assert s["qa.json"] == read_jsonl(d / "qa.jsonl")
        assert s["frames.json"] == read_jsonl(d / "frames.jsonl")
        assert s["depth.npy"].shape == (len(cam["frames"]), cam["height"], cam["width"])
        assert s["depth.npy"].dtype == np.uint16
        assert np.array_equal(s["depth.npy"][2], read_png16(d / "depth" / "000002.png"))
        assert np.array_equal(s["instance.npy"][5], read_png16(d / "instance" / "000005.png"))
        assert s["mp4"] == (d / "rgb.mp4").read_bytes()


def test_webdataset_shard_size_splits(out, tmp_path):
    wds = pytest.importorskip("webdataset")
    # a limit smaller than one sample: one scene per shard
    export(out, ["webdataset"], tmp_path, ExportOptions(shard_size_mb=0.01, progress=False))
    shards = sorted(str(p) for p in (tmp_path / "webdataset").glob("simgen-*.tar"))
    assert len(shards) == 2
    index = json.loads((tmp_path / "webdataset" / "shards.json").read_text())
    assert [s["samples"] for s in index["shards"]] == [1, 1]
    keys = [s["__key__"] for s in wds.WebDataset(shards, shardshuffle=False)]
    assert keys == ["000000", "000001"]
