"""Streaming a clip into videos, and re-degrading a saved scene."""

import json

import numpy as np
import pytest
from PIL import Image

from simgen.core.errors import ConfigError
from simgen.degradations import Degrader, parse_degrade
from simgen.degradations.camera import develop_clean
from simgen.degradations.codec import iter_video
from simgen.degradations.stream import degrade_saved_scene, degrade_stream, open_saved_scene


def _frames(room_small, n):
    K, rgb, depth, inst = room_small
    for i in range(n):
        yield i, i / 30.0, np.roll(rgb, 2 * i, axis=1), np.roll(depth, 2 * i, axis=1), np.roll(inst, 2 * i, axis=1)


def test_degrade_stream_writes_videos_and_record(room_small, tmp_path):
    K, rgb, _, _ = room_small
    dg = Degrader(parse_degrade("sensor_noise:2,compression:1,frame_drop:1"), K, 320, 240, 30.0,
                  np.random.default_rng(0))
    out = list(degrade_stream(dg, _frames(room_small, 9), tmp_path / "rgb.mp4", tmp_path / "rgb_clean.mp4"))
    assert [f.index for f in out] == [0, 2, 3, 5, 6, 8]      # first frame of each 50 ms slot
    rec = json.loads(json.dumps(dg.last_record))
    rep = rec["video"]["report"]
    assert rep["n_frames"] == 6 and rep["crf"] == 23 and rep["fps"] == 20.0
    q = rep["quality_vs_clean"]["psnr_db"]["mean"]
    # measured on the decoded video; x264 at CRF 23 smooths part of the noise, so it can even be closer
    # to the clean frames than its input was
    assert abs(q - rec["quality_vs_clean"]["psnr_db"]["mean"]) < 3.0 and rep["quality_vs_clean"]["ssim"]["n_frames"] == 6
    assert len(list(iter_video(tmp_path / "rgb_clean.mp4"))) == 6


def test_saved_clean_scene_round_trips(room_small, tmp_path):
    K, rgb, depth, inst = room_small
    d = tmp_path / "scene"
    (d / "depth").mkdir(parents=True)
    (d / "instance").mkdir()
    dg = Degrader(parse_degrade("clean"), K, 320, 240, 30.0, np.random.default_rng(0))
    frames = list(degrade_stream(dg, _frames(room_small, 3), d / "rgb.mp4"))
    for f in frames:
        Image.fromarray(np.round(f.depth_m * 1000).astype(np.uint16)).save(d / "depth" / f"{f.index:06d}.png")
        Image.fromarray(f.instance.astype(np.uint16)).save(d / "instance" / f"{f.index:06d}.png")
    (d / "degradation.json").write_text(json.dumps(dg.last_record))
    cam = {"width": 320, "height": 240, "fps": 30.0, "K": K.tolist(), "distortion": None,
           "frames": [{"index": i, "timestamp_s": i / 30.0} for i in range(3)]}
    (d / "camera.json").write_text(json.dumps(cam))
    saved = open_saved_scene(d)
    assert saved.exposure == dg.exposure
    got = list(saved.frames())
    assert len(got) == 3
    i, t, lin, dep, ins = got[1]
    assert np.array_equal(ins, frames[1].instance) and np.abs(dep - frames[1].depth_m).max() <= 5.01e-4
    redeveloped = develop_clean(lin, saved.exposure)
    decoded = list(iter_video(d / "rgb.mp4"))[1]
    assert np.abs(redeveloped.astype(int) - decoded.astype(int)).max() <= 1   # camera inverted exactly
    # and it can be re-degraded
    dg2 = Degrader(parse_degrade("fog:3"), saved.K, 320, 240, 30.0, np.random.default_rng(1), exposure=saved.exposure)
    assert dg2.process(i, t, lin, dep, ins).quality["psnr_db"] < 30
    # the whole re-degradation in one call, into another directory
    dg3, it = degrade_saved_scene(d, parse_degrade("jpeg:5"), np.random.default_rng(2), tmp_path / "re.mp4")
    assert len(list(it)) == 3 and dg3.last_record["frames"]["n_delivered"] == 3
    with pytest.raises(ConfigError, match="while reading"):
        degrade_saved_scene(d, parse_degrade("jpeg:5"), np.random.default_rng(2), d / "rgb.mp4")
