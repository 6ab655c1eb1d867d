"""The streaming stage: determinism, monotone severity, records, frame drops, sub-frame wiring."""

import json

import numpy as np
import pytest

from simgen.core.errors import ConfigError
from simgen.core.transforms import intrinsics_from_hfov
from simgen.degradations import Degrader, parse_degrade
from simgen.degradations.synthetic import AzimuthBandScene, yaw_pose_fn

PER_FRAME = ["fog", "defocus", "lens_distortion", "vignetting", "droplets", "low_resolution", "overexposure",
             "low_light", "sensor_noise", "jpeg"]


def _run(spec, room_small, seed, n=2, **kw):
    K, rgb, depth, inst = room_small
    dg = Degrader(parse_degrade(spec), K, rgb.shape[1], rgb.shape[0], 30.0, np.random.default_rng(seed), **kw)
    frames = [dg.process(i, i / 30.0, rgb, depth, inst) for i in range(n)]
    return dg, frames


@pytest.mark.parametrize("name", PER_FRAME)
def test_psnr_strictly_decreasing_with_level(name, room_small):
    p = []
    for level in range(1, 6):
        dg, frames = _run(f"{name}:{level}", room_small, seed=7, n=1)
        p.append(frames[0].quality["psnr_db"])
    assert all(a > b for a, b in zip(p, p[1:])), (name, p)


def _stripes(K, W, H):
    scenes = [AzimuthBandScene(K, W, H, a, a + 0.03, band_radiance=0.8, sigma_rad=0.002)
              for a in np.linspace(-0.8, 0.8, 12)]

    def render(pose):
        return 0.05 + sum(s.render_linear(pose) for s in scenes)

    return render


@pytest.mark.slow
@pytest.mark.parametrize("name", ["motion_blur", "rolling_shutter"])
def test_subframe_effects_monotone(name):
    W, H = 160, 120
    K = intrinsics_from_hfov(W, H, 70.0)
    render = _stripes(K, W, H)
    pose_at = yaw_pose_fn(0.0, np.deg2rad(90.0))
    depth = np.zeros((H, W), np.float32)
    inst = np.zeros((H, W), np.uint16)
    p = []
    for level in range(1, 6):
        dg = Degrader(parse_degrade(f"{name}:{level}"), K, W, H, 30.0, np.random.default_rng(0),
                      pose_at=pose_at, render_linear=render, exposure=1.0)
        f = dg.process(0, 0.0, render(pose_at(0.0)), depth, inst)
        p.append(f.quality["psnr_db"])
    assert all(a > b for a, b in zip(p, p[1:])), p


def test_subframe_effects_need_the_renderer(room_small):
    with pytest.raises(ConfigError, match="motion_blur needs the renderer"):
        _run("motion_blur:2", room_small, seed=0)


def test_same_seed_same_output_and_seed_matters(room_small):
    spec = "low_light:4,droplets:3,fog:2,vignetting:2,jpeg:2"
    _, a = _run(spec, room_small, seed=11)
    _, b = _run(spec, room_small, seed=11)
    _, c = _run(spec, room_small, seed=12)
    for fa, fb in zip(a, b):
        assert np.array_equal(fa.rgb8, fb.rgb8)
    assert not np.array_equal(a[0].rgb8, c[0].rgb8)
    assert not np.array_equal(a[0].rgb8, a[1].rgb8)     # fresh noise every frame


def test_clean_path_is_develop_clean(room_small):
    dg, frames = _run("clean", room_small, seed=0)
    f = frames[0]
    assert np.array_equal(f.rgb8, f.clean_rgb8) and f.quality["psnr_db"] == 100.0
    rec = dg.record()
    assert rec["clean"] and rec["video"]["crf"] == 18


def test_record_is_json_with_units_and_quality(room_small):
    dg, _ = _run("phone_low_light,droplets:2,lens_distortion:3", room_small, seed=3)
    rec = json.loads(json.dumps(dg.record()))
    names = [e["name"] for e in rec["effects"]]
    assert names == ["lens_distortion", "vignetting", "droplets", "low_light", "compression"]
    ll = rec["effects"][names.index("low_light")]
    assert ll["params"]["ev"] == -5.0 and "stops" in ll["units"]["ev"]
    assert ll["derived"]["analog_gain"] == 16.0 and ll["derived"]["digital_gain"] == 2.0
    assert rec["quality_vs_clean"]["psnr_db"]["n_frames"] == 2
    assert rec["delivered"]["distortion"]["model"] == "brown_conrady"
    assert rec["delivered"]["K"][0][0] > dg.K[0, 0]       # barrel distortion zooms in
    assert rec["video"] == {"codec": "libx264", "crf": 30, "preset": "medium", "fps": 30.0}


def test_one_of_presets_draw_one_effect_per_clip(room_small):
    K, rgb, depth, inst = room_small
    picks = set()
    for seed in range(12):
        dg = Degrader(parse_degrade("imagenet_c:2"), K, 320, 240, 30.0, np.random.default_rng(seed))
        assert len(dg.params) == 1
        picks |= set(dg.params)
    assert picks == {"jpeg", "low_resolution", "sensor_noise"}


def test_frame_drop_delivers_fps_out(room_small):
    K, rgb, depth, inst = room_small
    for level, fps_out in zip(range(1, 6), (20, 16, 12, 9, 6)):
        dg = Degrader(parse_degrade(f"frame_drop:{level}"), K, 320, 240, 30.0, np.random.default_rng(0))
        kept = [i for i in range(90) if dg.process(i, i / 30.0, rgb, depth, inst) is not None]
        assert len(kept) == 3 * fps_out and kept[0] == 0
        assert dg.delivered_fps() == fps_out
        assert dg.record()["frames"]["n_delivered"] == 3 * fps_out
    # levels are fractions of the rendered rate: a 10 fps camera (the egocentric default) drops too
    for level, kept_of_30 in zip(range(1, 6), (20, 16, 12, 9, 6)):
        dg = Degrader(parse_degrade(f"frame_drop:{level}"), K, 320, 240, 10.0, np.random.default_rng(0))
        kept = [i for i in range(30) if dg.process(i, i / 10.0, rgb, depth, inst) is not None]
        assert len(kept) == kept_of_30 and abs(dg.delivered_fps() - kept_of_30 / 3.0) < 1e-5


def test_frame_drop_absolute_fps_overrides_the_ratio(room_small, tmp_path):
    K, rgb, depth, inst = room_small
    (tmp_path / "fd.toml").write_text('schema = 1\n[effects.frame_drop]\nlevel = 1\nfps = 7.5\n')
    dg = Degrader(parse_degrade(str(tmp_path / "fd.toml")), K, 320, 240, 30.0, np.random.default_rng(0))
    kept = [i for i in range(60) if dg.process(i, i / 30.0, rgb, depth, inst) is not None]
    assert dg.delivered_fps() == 7.5 and kept == list(range(0, 60, 4))


def test_distortion_warps_ground_truth_consistently(room_small):
    dg, frames = _run("lens_distortion:5", room_small, seed=0, n=1)
    f = frames[0]
    K, rgb, depth, inst = room_small
    assert f.instance.dtype == inst.dtype and set(np.unique(f.instance)) <= set(np.unique(inst))
    assert not np.array_equal(f.instance, inst)
    uv = np.array([[10.0, 10.0], [160.0, 120.0]])
    assert np.allclose(dg.map_points(uv)[1], [160.0, 120.0], atol=1e-6)   # the centre stays


def test_droplets_cover_the_requested_fraction(room_small):
    for level, cov in zip((1, 3, 5), (0.02, 0.10, 0.35)):
        dg, _ = _run(f"droplets:{level}", room_small, seed=5, n=1)
        got = dg.derived["droplets"]["coverage_measured"]
        assert cov <= got < cov + 0.06


def test_frame_drop_psnr_strictly_decreasing_with_level():
    # frame_drop removes frames, so its quality is the played-back clip: each input time shows the last
    # delivered frame (what a player holds), against the clean frame of that time; camera turning at 60 deg/s
    from simgen.degradations.camera import develop_clean
    from simgen.degradations.metrics import luma8, psnr
    from simgen.degradations.synthetic import BoxRoom

    W, H, n = 160, 120, 30
    K = intrinsics_from_hfov(W, H, 70.0)
    room = BoxRoom(K, W, H)
    frames = [room.render(room.default_pose(i / 30.0, np.deg2rad(60.0))) for i in range(n)]
    p = []
    for level in range(1, 6):
        dg = Degrader(parse_degrade(f"frame_drop:{level}"), K, W, H, 30.0, np.random.default_rng(0),
                      exposure=1.0, measure=False)
        shown, held = [], None
        for i, (rgb, depth, inst) in enumerate(frames):
            f = dg.process(i, i / 30.0, rgb, depth, inst)
            held = f.rgb8 if f is not None else held
            shown.append(psnr(luma8(held), luma8(develop_clean(rgb, 1.0))))
        p.append(float(np.mean(np.minimum(shown, 100.0))))
    assert all(a > b for a, b in zip(p, p[1:])), p


def test_static_camera_gives_no_motion_blur_through_the_degrader(room_small):
    # motion blur and rolling shutter at level 5 with a camera that does not move: one render per frame
    # and the delivered frame is the clean develop, bit for bit
    K, rgb, depth, inst = room_small
    calls = []

    def render(pose):
        calls.append(pose)
        return rgb

    pose = np.eye(4)
    dg = Degrader(parse_degrade("motion_blur:5,rolling_shutter:5"), K, 320, 240, 30.0,
                  np.random.default_rng(0), pose_at=lambda t: pose, render_linear=render)
    for i in range(3):
        f = dg.process(i, i / 30.0, rgb, depth, inst)
        assert np.array_equal(f.rgb8, f.clean_rgb8) and f.quality["psnr_db"] == 100.0
        assert dg.per_frame[-1]["subframes"] == 1 and dg.per_frame[-1]["streak_px"] == 0.0
    assert len(calls) <= 3
