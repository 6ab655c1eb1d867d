"""The docs picture grid and quality table (renderer-free BoxRoom source)."""

import numpy as np
from PIL import Image

from simgen.degradations.gallery import boxroom_source, make_gallery, quality_table, save_small_png


def test_gallery_rows_and_table(tmp_path):
    src = boxroom_source(128, 96)
    paths, table = make_gallery(tmp_path, src, effects=["fog", "frame_drop"])
    for p in paths:
        im = Image.open(p)
        assert im.mode == "P" and im.size == (4 * (128 + 4), 96 + 4)   # clean | 1 | 3 | 5
    for name in ("fog", "frame_drop"):
        p = [table[name][lv]["psnr_db"] for lv in range(1, 6)]
        assert all(a > b for a, b in zip(p, p[1:])), (name, p)
    md = quality_table(table)
    assert md.splitlines()[0].startswith("| effect | level 1") and "| fog | " in md


def test_small_png_stays_under_the_limit(tmp_path, rng):
    noise = rng.integers(0, 256, (360, 500, 3), dtype=np.uint8)   # about 8 bits/px at 256 colours: 180 KB
    size = save_small_png(noise, tmp_path / "n.png", max_bytes=150_000)
    assert size == (tmp_path / "n.png").stat().st_size < 150_000
    im = Image.open(tmp_path / "n.png")
    assert im.mode == "P" and np.unique(np.asarray(im)).size <= 128   # fell back to fewer colours
