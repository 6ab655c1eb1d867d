import argparse

import numpy as np
import pytest
from PIL import Image

from simgen.core.errors import ConfigError
from simgen.gallery import add_cli, run


@pytest.mark.slow
def test_gallery_renders_objects(tmp_path):
    pytest.importorskip("pyrender")
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--variants", "2",
                              "--cell-px", "64", "--category", "chair", "--category", "mug"])
    assert run(args) == 0
    img = np.asarray(Image.open(tmp_path / "g.png"))
    assert img.shape == (2 * (64 + 14), 2 * 64, 3)
    cell = img[14:14 + 64, 0:64].astype(int)
    # the object covers a real part of the cell and differs from the flat background
    assert ((np.abs(cell - [232, 232, 236]).sum(axis=2)) > 30).mean() > 0.1


def test_gallery_cli_rejects_bad_values(tmp_path):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="cmd"))
    with pytest.raises(ConfigError, match="--variants"):
        run(parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--variants", "0"]))
    with pytest.raises(ConfigError, match="unknown asset category 'chiar'"):
        run(parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--category", "chiar"]))
