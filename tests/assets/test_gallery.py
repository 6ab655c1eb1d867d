import argparse

import numpy as np
import pytest
from PIL import Image

from simgen.assets.gallery import add_cli, encode_png, run
from simgen.core.errors import ConfigError


@pytest.mark.slow
def test_gallery_renders_objects(tmp_path):
    pytest.importorskip("pyrender")
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--variants", "2",
                              "--cell-px", "64", "--category", "chair", "--category", "mug", "--rgb"])
    assert run(args) == 0
    img = np.asarray(Image.open(tmp_path / "g.png").convert("RGB"))
    assert img.shape == (2 * (64 + 14), 2 * 64, 3)
    cell = img[14:14 + 64, 0:64].astype(int)
    # the object covers a real part of the cell and differs from the flat background
    assert ((np.abs(cell - [232, 232, 236]).sum(axis=2)) > 30).mean() > 0.1


def test_palette_png_fits_the_size_budget():
    # a noisy 200x200 image: 64 colours take ~30 KB, 24 colours ~25 KB; a budget in between is met with a
    # colour count in between, and RGB is far larger
    import io

    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((200, 200, 3)) * 255).astype(np.uint8))
    most = encode_png(img, palette=True, max_kb=0)
    least = encode_png(img, palette=True, max_kb=1)          # nothing fits: the 24-colour file
    budget_kb = (len(most) + len(least)) / 2 / 1024
    mid = encode_png(img, palette=True, max_kb=budget_kb)
    n_colors = {k: len(Image.open(io.BytesIO(b)).getcolors()) for k, b in (("most", most), ("least", least), ("mid", mid))}
    assert len(least) < len(mid) <= budget_kb * 1024 < len(most) < len(encode_png(img, palette=False, max_kb=0))
    assert n_colors["least"] <= 24 < n_colors["mid"] < n_colors["most"] <= 64


def test_gallery_cli_rejects_bad_values(tmp_path):
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="cmd"))
    with pytest.raises(ConfigError, match="--variants"):
        run(parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--variants", "0"]))
    with pytest.raises(ConfigError, match="unknown asset category 'chiar'"):
        run(parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--category", "chiar"]))
    with pytest.raises(ConfigError, match="--max-kb"):
        run(parser.parse_args(["assets", "gallery", "--out", str(tmp_path / "g.png"), "--max-kb", "-1"]))
