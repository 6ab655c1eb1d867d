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


EVIDENCE_SPEC = """
name = "evidence"
seed = 4
scenes = 1
[base]
complexity = "low"
frames = 8
resolution = "160x120"
[[factors]]
key = "camera.hfov_deg"
values = [90]
[controls]
evidence_removed = 1
"""


def test_evidence_removed_control_is_real_and_deterministic(tmp_path):
    from simgen.annotate.programs import verify_scene_dir
    from simgen.io.media import read_png16
    from simgen.sweep import cells_of, cell_run_config, load_spec, make_evidence_removed

    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(EVIDENCE_SPEC)
    out = tmp_path / "out"
    assert main(["sweep", str(spec_path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    src = out / "cells" / json.loads((out / "sweep.json").read_text())["cells"][0]["out"].split("/")[-1]
    src = src / "scenes" / "000000"
    ctl = out / "controls" / "evidence_removed" / "000000"
    control = json.loads((ctl / "control.json").read_text())
    removed, cats = set(control["removed_ids"]), control["categories"]
    assert len(cats) == 1 and removed
    s0, s1 = (json.loads((d / "scene.json").read_text()) for d in (src, ctl))
    objs0 = {o["id"]: o for o in s0["objects"] if o["kind"] == "object"}
    objs1 = {o["id"]: o for o in s1["objects"] if o["kind"] == "object"}
    assert {objs0[i]["category"] for i in removed} >= set(cats)
    assert set(objs1) == set(objs0) - removed and not any(o["category"] in cats for o in objs1.values())
    assert all(objs1[i]["obb"] == objs0[i]["obb"] for i in objs1)            # same layout otherwise
    assert s1["layout"]["evidence_removed"]["ids"] == sorted(removed)
    pose = [[f["cam_to_world"] for f in json.loads((d / "camera.json").read_text())["frames"]] for d in (src, ctl)]
    assert pose[0] == pose[1]                                                # same walk
    # the pixels that showed a removed object now show what was behind it (farther), and no removed id remains
    shown = 0
    for k in range(len(pose[0])):
        inst0, inst1 = (read_png16(d / "instance" / f"{k:06d}.png") for d in (src, ctl))
        d0, d1 = (read_png16(d / "depth" / f"{k:06d}.png").astype(int) for d in (src, ctl))
        assert not np.isin(inst1, list(removed)).any()
        m = np.isin(inst0, list(removed))
        shown += int(m.sum())
        if m.any():
            assert (d1[m] >= d0[m] - 2).all() and (d1[m] > d0[m] + 10).mean() > 0.9
        assert np.array_equal(d1[~m], d0[~m])
    assert shown > 0
    assert all(not any(o["id"] in removed for o in f["objects"]) for f in read_jsonl(ctl / "frames.jsonl"))
    items = read_jsonl(ctl / "qa.jsonl")
    assert [it["program"] for it in items] == [f'count(category="{c}", covered=true)' for c in cats]
    assert all(f'{c.replace("_", " ")}(s)' in it["question"] for it, c in zip(items, cats))
    assert all(it["answer"] == "0" and it["answer_value"] == 0 for it in items)
    assert all(it["control"]["source_answer_value"] >= 1 for it in items)
    rep = verify_scene_dir(ctl)
    assert rep["n_items"] == rep["n_ok"] == len(cats)
    # deterministic: made again, byte-identical annotations
    spec = load_spec(spec_path)
    again = tmp_path / "again"
    make_evidence_removed(src.parent.parent, again, cell_run_config(spec, cells_of(spec)[0]), 1, 4)
    for f in ("scene.json", "camera.json", "frames.jsonl", "qa.jsonl"):
        assert (again / "000000" / f).read_bytes() == (ctl / f).read_bytes()


def test_bad_evidence_removed_value(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('[[factors]]\nkey = "degrade"\nvalues = ["clean"]\n[controls]\nevidence_removed = "yes"\n')
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "evidence_removed must be" in capsys.readouterr().err
