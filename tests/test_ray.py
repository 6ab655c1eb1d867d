"""A real local Ray instance runs scenes with the same bytes as the local executor."""

import hashlib
from pathlib import Path

import pytest

from simgen.cli import main

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")
pytestmark = pytest.mark.slow
ARGS = ["render", "--complexity", "low", "--frames", "4", "--resolution", "96x72", "--quiet", "--seed", "21",
        "--n", "2"]


def _hashes(out: Path) -> dict:
    return {f"{p.relative_to(out)}": hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "scenes").rglob("*")) if p.is_file()}


def test_ray_executor_matches_local(tmp_path):
    assert main(ARGS + ["--executor", "ray", "--workers", "2", "--out", str(tmp_path / "ray")]) == 0
    assert main(ARGS + ["--workers", "1", "--out", str(tmp_path / "local")]) == 0
    assert _hashes(tmp_path / "ray") == _hashes(tmp_path / "local")
