"""Degradations inside `simgen render` and `simgen degrade`: files, physics of fog on the delivered
video, lens distortion keeping masks and boxes aligned, determinism, and refusals."""

import hashlib
import json

import numpy as np
import pytest

from simgen.cli import main
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_png16, read_video

pytestmark = pytest.mark.slow
BASE = ["render", "--complexity", "low", "--n", "1", "--frames", "6", "--resolution", "128x96", "--quiet",
        "--seed", "11"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("deg")
    assert main(BASE + ["--out", str(root / "clean")]) == 0
    assert main(BASE + ["--out", str(root / "fog"), "--degrade", "fog:5", "--keep-clean"]) == 0
    assert main(BASE + ["--out", str(root / "lens"), "--degrade", "lens_distortion:5"]) == 0
    return root


def _scene(root, name):
    return root / name / "scenes" / "000000"


def test_degraded_scene_files_and_record(runs):
    d = _scene(runs, "fog")
    rec = json.loads((d / "degradation.json").read_text())
    assert rec["seed"] == json.loads((d / "scene.json").read_text())["seed"]
    assert [e["name"] for e in rec["effects"]] == ["fog"]
    assert (d / "rgb_clean.mp4").is_file() and not (_scene(runs, "clean") / "degradation.json").exists()
    fog, clean = read_video(d / "rgb.mp4").astype(float), read_video(d / "rgb_clean.mp4").astype(float)
    assert fog.shape == clean.shape
    # visibility 2.5 m: far pixels wash out toward the airlight, so contrast collapses
    assert fog.std() < 0.6 * clean.std()
    # the clean video of the degraded run is the clean run's video: degradation changes nothing upstream
    ref = read_video(_scene(runs, "clean") / "rgb.mp4").astype(float)
    assert np.abs(ref - clean).mean() < 1.0
    for f in ("scene.json", "frames.jsonl"):
        assert (d / f).read_bytes() == (_scene(runs, "clean") / f).read_bytes()


def test_lens_distortion_keeps_annotations_aligned(runs):
    d = _scene(runs, "lens")
    cam = json.loads((d / "camera.json").read_text())
    assert cam["distortion"]["model"] in ("brown_conrady", "kannala_brandt")
    for fr in read_jsonl(d / "frames.jsonl"):
        inst = read_png16(d / "instance" / f"{fr['index']:06d}.png")
        for o in fr["objects"]:
            ys, xs = np.nonzero(inst == o["id"])
            assert len(xs) == o["visible_px"]
            assert o["bbox_visible_xyxy"] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_degraded_run_is_deterministic(runs, tmp_path):
    assert main(BASE + ["--out", str(tmp_path / "again"), "--degrade", "fog:5", "--keep-clean"]) == 0
    a = _scene(runs, "fog")
    b = tmp_path / "again" / "scenes" / "000000"
    for f in ("degradation.json", "camera.json", "frames.jsonl", "rgb.mp4", "instance/000003.png"):
        assert hashlib.sha256((a / f).read_bytes()).digest() == hashlib.sha256((b / f).read_bytes()).digest(), f


def test_redegrade_saved_scene(runs, tmp_path, capsys):
    src = _scene(runs, "clean")
    out = tmp_path / "lowlight"
    assert main(["degrade", str(src), "--degrade", "low_light:4", "--out", str(out)]) == 0
    assert (out / "degradation.json").is_file()
    assert (out / "scene.json").read_bytes() == (src / "scene.json").read_bytes()
    dark, ref = read_video(out / "rgb.mp4").astype(float), read_video(src / "rgb.mp4").astype(float)
    assert dark.shape == ref.shape and dark.mean() < ref.mean()
    # geometry-changing effects are refused with one line, exit 2, nothing written
    code = main(["degrade", str(src), "--degrade", "motion_blur:2", "--out", str(tmp_path / "mb")])
    err = capsys.readouterr().err
    assert code == 2 and "motion_blur cannot be applied" in err and not (tmp_path / "mb").exists()


def test_bad_degrade_spec_is_one_line(tmp_path, capsys):
    code = main(BASE + ["--out", str(tmp_path / "x"), "--degrade", "fogg:3"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "fogg" in err[0]
    assert not (tmp_path / "x").exists()
