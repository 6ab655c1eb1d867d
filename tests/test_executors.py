"""Executors: same bytes whatever the worker count, shards whose union is the unsharded run, the
per-scene time limit, and a worker killed mid-run costing one attempt, never the run."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simgen.cli import main
from simgen.io.jsonio import read_jsonl

pytestmark = pytest.mark.slow
ARGS = ["render", "--complexity", "low", "--frames", "4", "--resolution", "96x72", "--quiet", "--seed", "5"]


def _tree_hashes(out: Path) -> dict:
    h = {}
    for d in sorted((out / "scenes").iterdir()):
        for f in sorted(p for p in d.rglob("*") if p.is_file()):
            h[f"{d.name}/{f.relative_to(d).as_posix()}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return h


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    out = tmp_path_factory.mktemp("w1") / "out"
    assert main(ARGS + ["--n", "4", "--workers", "1", "--out", str(out)]) == 0
    return out


def test_worker_count_does_not_change_content(one_worker, tmp_path):
    out = tmp_path / "w2"
    assert main(ARGS + ["--n", "4", "--workers", "2", "--out", str(out)]) == 0
    assert _tree_hashes(out) == _tree_hashes(one_worker)


def test_shards_union_equals_unsharded_run(one_worker, tmp_path):
    for i in range(3):
        assert main(ARGS + ["--n", "4", "--workers", "1", "--shard", f"{i}/3", "--out", str(tmp_path / f"s{i}")]) == 0
    assert sorted(p.name for p in (tmp_path / "s0" / "scenes").iterdir()) == ["000000", "000003"]
    assert json.loads((tmp_path / "s1" / "dataset.json").read_text())["shards"] == ["1/3"]
    merged = tmp_path / "merged"
    assert main(["merge", *(str(tmp_path / f"s{i}") for i in range(3)), "--out", str(merged)]) == 0
    assert _tree_hashes(merged) == _tree_hashes(one_worker)
    rows = read_jsonl(merged / "manifest.jsonl")
    assert [r["scene_id"] for r in rows] == ["000000", "000001", "000002", "000003"]


def test_bad_shard_is_one_line(tmp_path, capsys):
    assert main(ARGS + ["--shard", "3/3", "--out", str(tmp_path / "x")]) == 2
    assert "--shard must be I/K" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_scene_time_limit_records_failures(tmp_path):
    out = tmp_path / "slow"
    code = main(ARGS + ["--n", "2", "--workers", "1", "--retries", "1", "--scene-timeout", "0.2", "--out", str(out)])
    assert code == 1
    fails = read_jsonl(out / "failures.jsonl")
    assert sorted(f["scene_id"] for f in fails) == ["000000", "000001"]
    assert all(len(f["attempts"]) == 2 and "time limit" in f["reason"] for f in fails)
    assert [p.name for p in (out / "scenes").iterdir()] == []
    # resume does not retry recorded failures unless asked to
    assert main(ARGS + ["--n", "2", "--workers", "1", "--retries", "1", "--out", str(out)]) == 0
    assert len(read_jsonl(out / "failures.jsonl")) == 2


def _workers(pid: int) -> list[int]:
    """The spawned worker processes of `pid`: children running multiprocessing's spawn_main, not its
    resource tracker (killing that one costs nothing, so the test must never pick it)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    kids = []
    for k in map(int, out):
        try:
            cmd = Path(f"/proc/{k}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "spawn_main" in cmd and "resource_tracker" not in cmd:
            kids.append(k)
    return kids


def test_killed_worker_costs_one_attempt(tmp_path):
    out = tmp_path / "crash"
    cmd = [sys.executable, "-m", "simgen", *ARGS, "--n", "3", "--workers", "1", "--out", str(out)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.time() + 120
    while time.time() < deadline and killed is None and p.poll() is None:
        kids = _workers(p.pid)
        # the worker is the spawned python child that has started a scene
        if kids and (out / "scenes").is_dir() and any(x.name.startswith(".tmp-") for x in (out / "scenes").iterdir()):
            killed = kids[-1]
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    _, err = p.communicate(timeout=600)
    assert killed is not None
    assert p.returncode == 0, err
    assert sorted(x.name for x in (out / "scenes").iterdir()) == ["000000", "000001", "000002"]
    rows = read_jsonl(out / "manifest.jsonl")
    assert len(rows) == 3 and max(r["attempt"] for r in rows) == 1   # the killed scene's retry
    assert "worker process died" in err
