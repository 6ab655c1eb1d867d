"""--variant clean|degraded picks the matching video of a degraded render made with --keep-clean."""

import hashlib

import pytest

from simgen.cli import main

pytestmark = pytest.mark.slow


def _h(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_vsibench_variants_use_the_right_video(tmp_path):
    out = tmp_path / "out"
    assert main(["render", "--n", "1", "--frames", "5", "--resolution", "96x72", "--quiet", "--workers", "1",
                 "--degrade", "fog:3", "--keep-clean", "--out", str(out)]) == 0
    scene = out / "scenes" / "000000"
    for variant, video in (("degraded", "rgb.mp4"), ("clean", "rgb_clean.mp4")):
        dest = tmp_path / variant
        assert main(["export", str(out), "--to", "vsibench", "--dest", str(dest), "--variant", variant]) == 0
        assert _h(dest / "vsibench" / "simgen" / "000000.mp4") == _h(scene / video)
    assert _h(scene / "rgb.mp4") != _h(scene / "rgb_clean.mp4")
