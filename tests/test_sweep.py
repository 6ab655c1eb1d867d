"""Sweeps: cells over factors, paired variants sharing the scene, per-scene factor table, controls."""

import json

import numpy as np
import pytest

from simgen.cli import main
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_video

pytestmark = pytest.mark.slow

SPEC = """
name = "pairs"
seed = 9
scenes = 1
[base]
complexity = "low"
frames = 5
resolution = "96x72"
[[factors]]
key = "degrade"
values = ["clean", "fog:5"]
[controls]
black_video = true
shuffled_frames = true
"""


def test_sweep_pairs_and_controls(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    sweep = json.loads((out / "sweep.json").read_text())
    assert [c["factors"]["degrade"] for c in sweep["cells"]] == ["clean", "fog:5"]
    a, b = (out / c["out"] / "scenes" / "000000" for c in sweep["cells"])
    # paired: same layout and walk, only the pictures differ
    for f in ("scene.json", "frames.jsonl"):
        assert (a / f).read_bytes() == (b / f).read_bytes()
    pose = [[f["cam_to_world"] for f in json.loads((d / "camera.json").read_text())["frames"]] for d in (a, b)]
    assert pose[0] == pose[1]
    assert (a / "rgb.mp4").read_bytes() != (b / "rgb.mp4").read_bytes()
    rows = read_jsonl(out / "factors.jsonl")
    assert [(r["degrade"], r["scene_id"]) for r in rows] == [("clean", "000000"), ("fog:5", "000000")]
    black = read_video(out / "controls" / "black_video" / "000000" / "rgb.mp4")
    assert black.max() <= 1
    shuf = out / "controls" / "shuffled_frames" / "000000"
    perm = json.loads((shuf / "control.json").read_text())["permutation"]
    assert sorted(perm) == list(range(5))
    src = read_video(a / "rgb.mp4").astype(float)
    got = read_video(shuf / "rgb.mp4").astype(float)
    assert np.abs(got - src[perm]).mean() < 2.0     # re-encoded, so not bit-exact


def test_bad_sweep_spec(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('[[factors]]\nkey = "weather"\nvalues = [1]\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "key must be degrade" in capsys.readouterr().err
