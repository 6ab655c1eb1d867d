import json

import numpy as np
import pytest

from simgen.core.errors import ConfigError
from simgen.io.jsonio import dumps, read_jsonl
from simgen.io.media import depth_to_mm, read_png16, write_png16
from simgen.io.output import CONTRACT_FILES, OutputDir


def _fake_finished_scene(d, sid, seed=1):
    d.mkdir(parents=True)
    for f in CONTRACT_FILES:
        (d / f).write_text("x")
    (d / "scene.json").write_text(json.dumps({"scene_id": sid, "seed": seed, "objects": [], "stats": {}}))


def test_commit_is_atomic_and_appends_manifest(tmp_path):
    with OutputDir(tmp_path / "o") as od:
        od.start({"a": 1}, "0.1.0", 2)
        tmp = od.temp_scene_dir("000000")
        (tmp / "scene.json").write_text("{}")
        assert not (od.scenes / "000000").exists()
        od.commit_scene(tmp, "000000", {"scene_id": "000000", "seed": 5})
        assert (od.scenes / "000000" / "scene.json").exists() and not tmp.exists()
        rows = read_jsonl(od.manifest)
        assert len(rows) == 1 and rows[0]["files"]["scene.json"]


def test_recover_removes_tmp_rebuilds_lines_and_drops_torn_line(tmp_path):
    root = tmp_path / "o"
    with OutputDir(root) as od:
        od.start({"a": 1}, "0.1.0", 3)
        (od.scenes / ".tmp-000002-999").mkdir()                       # killed mid-scene
        _fake_finished_scene(od.scenes / "000001", "000001")          # killed before its manifest line
        (od.scenes / "000000").mkdir()
        (od.manifest).write_text(dumps({"scene_id": "000000", "seed": 1}) + "\n" + '{"scene_id": "0000')
        done, failed = od.recover()
        assert done == {"000000", "000001"} and failed == set()
        assert not (od.scenes / ".tmp-000002-999").exists()
        rows = read_jsonl(od.manifest)
        assert [r["scene_id"] for r in rows] == ["000000", "000001"]
        assert rows[1]["recovered"] is True
        assert od.manifest.read_bytes().endswith(b"\n")
        # a second recovery changes nothing: no duplicate lines
        od.recover()
        assert len(read_jsonl(od.manifest)) == 2


def test_incomplete_dir_without_files_is_removed(tmp_path):
    with OutputDir(tmp_path / "o") as od:
        od.start({}, "0.1.0", 1)
        (od.scenes / "000000").mkdir()
        (od.scenes / "000000" / "scene.json").write_text("{}")
        done, _ = od.recover()
        assert done == set() and not (od.scenes / "000000").exists()


def test_resume_refuses_other_config(tmp_path):
    with OutputDir(tmp_path / "o") as od:
        od.start({"seed": 1}, "0.1.0", 1)
    with OutputDir(tmp_path / "o") as od:
        od.start({"seed": 1}, "0.1.0", 3)          # more scenes, same config: fine
        assert json.loads(od.dataset.read_text())["n_requested"] == 3
        with pytest.raises(ConfigError, match="different configuration"):
            od.start({"seed": 2}, "0.1.0", 1)


def test_lock_excludes_second_run(tmp_path):
    with OutputDir(tmp_path / "o"):
        with pytest.raises(ConfigError, match="in use by another simgen run"):
            with OutputDir(tmp_path / "o"):
                pass


def test_depth_png_round_trip_mm(tmp_path):
    depth = np.array([[0.0, 1.2344], [2.0006, 70.0]], dtype=np.float32)
    mm = depth_to_mm(depth)
    assert mm.tolist() == [[0, 1234], [2001, 0]]
    write_png16(tmp_path / "d.png", mm)
    assert np.array_equal(read_png16(tmp_path / "d.png"), mm)
    ids = np.array([[0, 65535], [7, 300]], dtype=np.uint16)
    write_png16(tmp_path / "i.png", ids)
    assert np.array_equal(read_png16(tmp_path / "i.png"), ids)


def test_json_is_deterministic_and_plain():
    a = dumps({"x": np.float32(0.1), "y": np.arange(3), "z": -0.0, "w": (1.23456789, np.int64(2))})
    assert a == '{"x": 0.1, "y": [0, 1, 2], "z": 0.0, "w": [1.234568, 2]}'
