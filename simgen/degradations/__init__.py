"""Physically based degradations: camera model (exposure, sensor, ISP), optics, scene media, codecs.

Public surface (see docs/degradations.md):
    parse_degrade(spec) -> DegradationSpec
    Degrader(spec, K, width, height, fps, rng, pose_at=None, render_linear=None, exposure=None)
        .process(index, t_s, rgb_linear, depth_m, instance) -> DeliveredFrame | None
        .delivered_intrinsics(), .distortion(), .map_points(uv), .map_boxes(xyxy),
        .delivered_fps(), .video_settings(), .open_video(path), .record(codec_report)
    develop_clean(rgb_linear, exposure) -> uint8 sRGB ; meter_exposure(rgb_linear) -> float
    VideoEncoder, encode_video, jpeg_roundtrip ; bench_effects(...)
"""

from simgen.degradations.camera import develop_clean, encode_srgb8, meter_exposure, srgb8_to_linear
from simgen.degradations.codec import VideoEncoder, encode_video, jpeg_roundtrip
from simgen.degradations.degrader import DeliveredFrame, Degrader
from simgen.degradations.spec import EFFECTS, LEVELS, DegradationSpec, EffectSpec, parse_degrade

__all__ = [
    "EFFECTS", "LEVELS", "DegradationSpec", "EffectSpec", "parse_degrade", "Degrader", "DeliveredFrame",
    "develop_clean", "encode_srgb8", "meter_exposure", "srgb8_to_linear", "VideoEncoder", "encode_video",
    "jpeg_roundtrip", "bench_effects",
]


def bench_effects(*args, **kwargs):
    """See simgen.degradations.bench.bench_effects (imported lazily)."""
    from simgen.degradations.bench import bench_effects as _b

    return _b(*args, **kwargs)
