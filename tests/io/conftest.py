"""One tiny rendered OUT (two scenes) shared read-only by the export, validate and card tests."""

import pytest


@pytest.fixture(scope="session")
def out(tmp_path_factory):
    from simgen.cli import main

    root = tmp_path_factory.getbasetemp() / "simgen_io_fixture"
    assert main(["render", "--complexity", "low", "--n", "2", "--frames", "6", "--resolution", "96x72",
                 "--out", str(root), "--quiet"]) == 0
    return root
