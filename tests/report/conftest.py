"""Two tiny rendered outputs made with the real CLI, shared read-only by the preview and report tests:
`clean` (one low scene) and `degraded` (one low scene with fog and sensor noise, and rgb_clean.mp4)."""

import pytest


@pytest.fixture(scope="session")
def outs(tmp_path_factory):
    from simgen.cli import main

    root = tmp_path_factory.getbasetemp() / "simgen_report_fixture"
    common = ["--complexity", "low", "--n", "1", "--frames", "8", "--resolution", "128x96", "--workers", "1", "--quiet"]
    assert main(["render", *common, "--seed", "1", "--out", str(root / "clean")]) == 0
    assert main(["render", *common, "--seed", "3", "--degrade", "fog:3,sensor_noise:2", "--keep-clean",
                 "--out", str(root / "degraded")]) == 0
    return {"clean": root / "clean", "degraded": root / "degraded"}


@pytest.fixture(scope="session")
def clean_scene(outs):
    return outs["clean"] / "scenes" / "000000"


@pytest.fixture(scope="session")
def degraded_scene(outs):
    return outs["degraded"] / "scenes" / "000000"
