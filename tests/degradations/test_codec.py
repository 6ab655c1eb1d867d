"""JPEG and H.264/H.265: deterministic bytes for a fixed encoder, quality falling with every level."""

import hashlib

import numpy as np
import pytest

from simgen.degradations.camera import develop_clean
from simgen.degradations.codec import encode_video, jpeg_roundtrip
from simgen.degradations.metrics import luma8, psnr
from simgen.degradations.spec import LEVELS, MODEL_LEVELS


def _clip(room_small, n=6):
    K, rgb, depth, inst = room_small
    base = develop_clean(rgb, 1.3)
    return [np.roll(base, 2 * i, axis=1) for i in range(n)]


def test_jpeg_psnr_strictly_decreasing(room_small):
    clean = _clip(room_small, 1)[0]
    p = [psnr(luma8(jpeg_roundtrip(clean, q)), luma8(clean)) for q in LEVELS["jpeg"]["quality"]]
    assert all(a > b for a, b in zip(p, p[1:])), p


@pytest.mark.slow
@pytest.mark.parametrize("codec", ["libx264", "libx265"])
def test_video_bit_identical_and_psnr_decreasing(codec, room_small, tmp_path):
    frames = _clip(room_small)
    crfs = MODEL_LEVELS.get(("compression", codec), LEVELS["compression"])["crf"]
    psnrs = []
    for crf in crfs:
        rep = encode_video(frames, tmp_path / f"{crf}.mp4", 30.0, codec=codec, crf=crf, clean_frames=frames)
        psnrs.append(rep["quality_vs_clean"]["psnr_db"]["mean"])
        assert rep["n_frames"] == len(frames)
    assert all(a > b for a, b in zip(psnrs, psnrs[1:])), psnrs
    encode_video(frames, tmp_path / "again.mp4", 30.0, codec=codec, crf=crfs[2])
    h1 = hashlib.sha256((tmp_path / f"{crfs[2]}.mp4").read_bytes()).hexdigest()
    h2 = hashlib.sha256((tmp_path / "again.mp4").read_bytes()).hexdigest()
    assert h1 == h2
