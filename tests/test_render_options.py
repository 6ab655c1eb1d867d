"""`simgen render` options that reach into several stages: --flow, --house, --backend."""

import json

import numpy as np
import pytest

from simgen.cli import main
from simgen.io.jsonio import read_jsonl
from simgen.io.media import read_png16

SMALL = ["--frames", "6", "--resolution", "160x120", "--quiet"]


@pytest.fixture(scope="module")
def flow_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("flow") / "out"
    assert main(["render", "--complexity", "low", "--n", "1", "--seed", "4", "--flow", "--out", str(out), *SMALL]) == 0
    return out / "scenes" / "000000"


def test_flow_files_follow_the_written_depth_and_poses(flow_run):
    from simgen.annotate.flow import flow_from_depth, read_flow_png

    cam = json.loads((flow_run / "camera.json").read_text())
    n = len(cam["frames"])
    files = sorted((flow_run / "flow").glob("*.png"))
    assert [f.name for f in files] == [f"{k:06d}.png" for k in range(n - 1)]
    K = np.asarray(cam["K"], dtype=float)
    checked = 0
    for k in range(n - 1):
        flow = read_flow_png(files[k])
        depth = read_png16(flow_run / "depth" / f"{k:06d}.png").astype(np.float32) / 1000.0
        P0 = np.asarray(cam["frames"][k]["cam_to_world"], dtype=float)
        P1 = np.asarray(cam["frames"][k + 1]["cam_to_world"], dtype=float)
        expect = flow_from_depth(depth, K, P0, P1)   # from the saved files: depth in mm, poses to 1e-6
        ok = np.isfinite(flow).all(axis=2) & (depth > 0)
        if ok.mean() < 0.2:   # 6 frames over a whole walk: most pixels may leave the next frame
            continue
        checked += 1
        err = np.linalg.norm(flow[ok] - expect[ok], axis=1)
        # 1/64 px quantisation of the PNG, plus mm depth: relative to the flow's length
        tol = 0.05 + 0.003 * np.linalg.norm(expect[ok], axis=1)
        assert np.mean(err <= tol) > 0.99
    assert checked >= 1


def test_house_round_trip_through_the_cli(flow_run, tmp_path):
    out = flow_run.parent.parent
    assert main(["export", str(out), "--to", "procthor", "--dest", str(tmp_path / "x"), "--quiet"]) == 0
    houses = tmp_path / "x" / "procthor" / "houses"
    again = tmp_path / "again"
    assert main(["render", "--house", str(houses), "--out", str(again), *SMALL]) == 0
    a = json.loads((flow_run / "scene.json").read_text())
    b = json.loads((again / "scenes" / "000000" / "scene.json").read_text())
    objs = lambda s: sorted((o["category"], tuple(o["obb"]["center"]), o["yaw"])   # noqa: E731
                            for o in s["objects"] if o.get("kind") == "object")
    oa, ob = objs(a), objs(b)
    assert [o[0] for o in oa] == [o[0] for o in ob]
    for (_c, ca, ya), (_d, cb, yb) in zip(oa, ob):
        assert np.linalg.norm(np.subtract(ca, cb)) < 0.01
        assert abs((ya - yb + np.pi) % (2 * np.pi) - np.pi) < np.radians(1.0)
    assert len(read_jsonl(again / "scenes" / "000000" / "qa.jsonl")) > 0


def test_house_count_and_n_must_agree(flow_run, tmp_path, capsys):
    out = flow_run.parent.parent
    main(["export", str(out), "--to", "procthor", "--dest", str(tmp_path / "x"), "--quiet"])
    assert main(["render", "--house", str(tmp_path / "x" / "procthor" / "houses"), "--n", "3", "--out",
                 str(tmp_path / "o")]) == 2
    assert "holds 1 houses" in capsys.readouterr().err


def test_flow_with_lens_distortion_is_refused(tmp_path, capsys):
    assert main(["render", "--flow", "--degrade", "lens_distortion:2", "--out", str(tmp_path / "o")]) == 2
    assert "--flow cannot be combined with lens distortion" in capsys.readouterr().err
