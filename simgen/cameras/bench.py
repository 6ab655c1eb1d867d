"""`simgen bench trajectory`: the camera planner measured over seeds, one row per camera preset.

Per seed the scene is generated once and every camera preset plans on it (same scenes side by side).
Per (scene, preset): planning wall and CPU time (PlannerGL at 160 px, as in the pipeline), coverage the
planner claims, coverage verified on rendered frames, path length, mean and peak speed, peak yaw rate,
frames, video seconds per covered object.

Verified coverage uses the pipeline's definitions (simgen.annotate.frames.frame_record +
simgen.annotate.coverage.coverage: vis from solo counts, px, corners, distance) on instance renders of
the delivered frames at `verify_size` (default 320x240, thresholds scaled with the area). To keep the
benchmark affordable it renders the frames within 0.15 s of every claimed viewpoint plus every frame on
a `verify_hz` grid (default 2 per second), with the planner's exact GL renderer (equal to the
pipeline's Renderer/SoloCounter up to rasterisation rounding, see tests/cameras/test_gl_checks.py). A
subset of frames can only miss coverage, so the verified figure is a lower bound.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

log = logging.getLogger(__name__)


def verify_coverage(scene, traj, cam, verifier, verify_hz: float = 2.0) -> dict[int, dict]:
    """Coverage records (simgen.annotate.coverage) measured on rendered frames (see module doc)."""
    from simgen.annotate.coverage import coverage
    from simgen.annotate.frames import frame_record, obb_of
    from simgen.core.transforms import intrinsics_from_hfov

    w, h = verifier.size
    K = intrinsics_from_hfov(w, h, cam.hfov_deg)
    ft = np.asarray(traj.frame_times_s)
    keep = set()
    for st, t in zip(traj.stops, traj.stop_times_s):
        if st.targets:
            keep |= set(np.nonzero(np.abs(ft - t) <= 0.15)[0].tolist())
    keep |= {int(f) for f in (traj.report.get("walk_claims") or {}).values() if 0 <= int(f) < len(ft)}
    grid = np.arange(0.0, traj.duration_s + 1e-9, 1.0 / verify_hz)
    keep |= set(np.clip(np.searchsorted(ft, grid), 0, len(ft) - 1).tolist())
    which = sorted(keep)
    poses = [traj.pose_at(float(ft[i])) for i in which]
    obbs = {o.id: obb_of(o) for o in scene.objects}
    frames = []
    for b in range(0, len(poses), 64):
        inst = verifier.instances(K, poses[b:b + 64])
        jobs = [(p, [int(v) for v in np.unique(im) if int(v) in obbs]) for p, im in zip(poses[b:b + 64], inst)]
        solos = verifier.solo_counts_many(K, jobs)
        for i, im, (p, _ids), solo in zip(which[b:b + 64], inst, jobs, solos):
            frames.append(frame_record(int(i), im, solo, K, p, obbs))
    return coverage(frames, sorted(obbs), w, h, cam.cover_vis, cam.cover_min_px, cam.cover_corners_inside,
                    cam.cover_max_distance_m)


def exhaustive_views(scene, cam, planner_gl, object_ids, wall_thickness_m: float = 0.12,
                     pitch_step_deg: float = 2.5, eye_height_m: float | None = None) -> dict[int, dict]:
    """The upper bound for single objects: every pose the carrier can reach that frames object o whole,
    evaluated exactly (simgen.cameras.cover.ExactViews, the planner's margins).

    Poses: every cell of the reachable free grid (planning clearance, reachable from the entrance, eye
    height = `eye_height_m`, default the middle of the preset's range) within cover_max_distance_m - 0.1 of o's centre, looking
    straight at it, at the first pitch from min_pitch_down_deg to max_pitch_down_deg (`pitch_step_deg`
    steps) whose projection of o's 8 box corners lies inside the image. Returns {id: {"framing": poses
    that frame o whole, "covered": those that cover it with the margins, "best_vis": best vis or None}}.
    No per-pose yaw offsets: vis does not depend on the heading once o is framed whole.
    """
    from simgen.cameras.cover import ExactViews
    from simgen.cameras.freespace import build_grid, free_space
    from simgen.cameras.trajectory import PLAN_MARGIN_M, walk_start
    from simgen.cameras.views import framing_views, object_boxes

    eye_h = 0.5 * (cam.eye_height_m.low + cam.eye_height_m.high) if eye_height_m is None else float(eye_height_m)
    grid = build_grid(free_space(scene, cam.clearance_m + PLAN_MARGIN_M, wall_thickness_m, eye_h))
    start, _ = walk_start(scene, grid, cam.clearance_m)
    pos = grid.xy[grid.component_of(start)]
    boxes = object_boxes(scene)
    ex = ExactViews(planner_gl, scene, cam, boxes, eye_h, np.deg2rad(cam.pitch_down_deg.low))
    pitches = np.deg2rad(np.arange(cam.min_pitch_down_deg, cam.max_pitch_down_deg + 1e-6, pitch_step_deg))
    out = {}
    for oid in object_ids:
        k = ex.index[int(oid)]
        views = framing_views(boxes, k, pos, eye_h, ex.K, ex.w, ex.h, pitches, cam.cover_max_distance_m - 0.1)
        res = ex.evaluate(views, only={k}) if views else []
        vis = [r[1].get(k, 0.0) for r in res]
        out[int(oid)] = {"framing": len(views), "covered": sum(k in r[0] for r in res),
                         "best_vis": round(float(max(vis)), 3) if vis and max(vis) > 0 else None}
    return out


def bench_trajectory(scene_cfg, cameras: dict, n_seeds: int, run_seed: int = 0, wall_thickness_m: float = 0.12,
                     verify_size: tuple[int, int] = (320, 240), verify_hz: float = 2.0, progress: bool = True,
                     scene_for=None, bound: bool = False) -> dict:
    """Plan every camera preset in `cameras` ({name: CameraConfig}) on `n_seeds` scenes of `scene_cfg`.
    scene_for: optional callable(seed) -> the scene generate_scene would make for it (a cache), or None.
    bound: for coverage planners (presets whose report lists `no_viewpoint`), also run exhaustive_views
    on every object the frames left uncovered, at the walk's eye height: `bound` = (verified + uncovered
    objects some reachable pose covers with the planner's margins) / objects, `bound_loose` the same
    with any pose reaching vis >= cover_vis (no vis margin), and `of_bound` = verified / bound — how much
    of what single eye-height poses can cover the walk covers."""
    from simgen.cameras.planner_gl import PlannerGL
    from simgen.cameras.trajectory import PLAN_MARGIN_M, plan_trajectory
    from simgen.core.errors import RejectedScene
    from simgen.core.rng import stage_rng
    from simgen.scenes.generate import generate_scene
    from simgen.scenes.sightlines import apply_sightlines

    rows = []
    seeds = range(run_seed, run_seed + n_seeds)
    if progress:
        from tqdm import tqdm

        seeds = tqdm(seeds, desc=f"bench trajectory {scene_cfg.name}", unit="scene")
    any_cam = next(iter(cameras.values()))
    aspect = any_cam.height / any_cam.width
    with PlannerGL(160, max(1, round(160 * aspect))) as pgl, PlannerGL(*verify_size) as ver:
        for seed in seeds:
            try:
                scene = scene_for(seed) if scene_for is not None else None
                if scene is None:
                    scene = generate_scene(scene_cfg, f"{seed:06d}", seed, stage_rng(seed, "layout"),
                                           any_cam.clearance_m + PLAN_MARGIN_M)   # as the pipeline does
                    scene = apply_sightlines(scene, scene_cfg, any_cam, seed, pgl)
            except RejectedScene as e:
                rows.append({"seed": seed, "preset": None, "failed": True, "reason": str(e)})
                continue
            ver.load_scene(scene)
            sl = dict(scene.reports.get("layout", {}).get("sightlines", {}),
                      **scene.reports.get("sightline_timing", {}))
            for name, cam in cameras.items():
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    traj = plan_trajectory(scene, cam, stage_rng(seed, "camera"), wall_thickness_m, planner_gl=pgl)
                except RejectedScene as e:
                    rows.append({"seed": seed, "preset": name, "failed": True, "reason": str(e)})
                    continue
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                cov = verify_coverage(scene, traj, cam, ver, verify_hz)
                rep = traj.report
                n = len(scene.objects)
                planned = set(rep.get("planned_targets") or [])
                n_cov = sum(c["covered"] for c in cov.values())
                rows.append({
                    "seed": seed, "preset": name, "failed": False, "n_objects": n,
                    "plan_s": wall, "plan_cpu_s": cpu,
                    "claimed": len(planned) / n if n else 1.0,
                    "verified": n_cov / n if n else 1.0,
                    "claims_verified": (sum(cov[i]["covered"] for i in planned) / len(planned)) if planned else None,
                    "mean_best_vis": float(np.mean([c["best_vis"] for c in cov.values()])) if cov else 0.0,
                    "path_m": rep["path_length_m"], "tour_lower_bound_m": rep.get("tour_lower_bound_m"),
                    "path_ratio": (rep["path_length_m"] / rep["tour_lower_bound_m"]
                                   if rep.get("tour_lower_bound_m") else None),
                    "tour_lower_bound_hk_m": rep.get("tour_lower_bound_hk_m"),
                    "path_ratio_hk": (rep["path_length_m"] / rep["tour_lower_bound_hk_m"]
                                      if rep.get("tour_lower_bound_hk_m") else None),
                    "duration_s": rep["walk_duration_s"], "frames": traj.n_frames,
                    "mean_speed": rep["mean_speed_mps"], "mean_walking_speed": rep["mean_walking_speed_mps"],
                    "peak_speed": rep["peak_speed_mps"], "peak_yaw_rate": rep["peak_yaw_rate_deg_s"],
                    "peak_yaw_accel": rep["peak_yaw_accel_deg_s2"], "peak_sideways": rep["peak_sideways_speed_mps"],
                    "max_close_fraction": rep.get("max_close_fraction"),
                    "s_per_covered": rep["walk_duration_s"] / n_cov if n_cov else None,
                    # where the walk's time goes: turning in place, stepping while turning, moving at > 0.1 m/s
                    "turn_in_place_s": rep.get("turn_in_place_s"), "step_s": rep.get("step_s"),
                    # the layout's sightline stage (simgen.scenes.sightlines), run once per scene before planning
                    "sightline_cpu_s": sl.get("cpu_s"), "sightline_moved": len(sl.get("moved", [])),
                    "unseen_before_sightlines": len(sl["unseen_before"]) if "unseen_before" in sl else None,
                    "moving_s": (rep["moving_fraction"] * rep["walk_duration_s"]
                                 if rep.get("moving_fraction") is not None else None),
                })
                if bound and "no_viewpoint" in rep:
                    left = [i for i, c in cov.items() if not c["covered"]]
                    ex = exhaustive_views(scene, cam, pgl, left, wall_thickness_m, eye_height_m=rep["eye_height_m"])
                    strict = n_cov + sum(e["covered"] > 0 for e in ex.values())
                    loose = n_cov + sum((e["best_vis"] or 0.0) >= cam.cover_vis for e in ex.values())
                    rows[-1].update({"bound": strict / n if n else 1.0, "bound_loose": loose / n if n else 1.0,
                                     "of_bound": n_cov / strict if strict else 1.0})
    return {"scene_preset": scene_cfg.name, "n_seeds": n_seeds, "run_seed": run_seed,
            "verify": f"{verify_size[0]}x{verify_size[1]}, frames at claims + {verify_hz:g} Hz",
            "by_preset": {name: _summary([r for r in rows if r["preset"] == name and not r["failed"]])
                          for name in cameras},
            "rows": rows}


def _summary(rows: list[dict]) -> dict:
    def pct(k, q):
        xs = [r[k] for r in rows if r.get(k) is not None]
        return float(np.percentile(xs, q)) if xs else float("nan")

    return {"n": len(rows), "plan_p50_s": pct("plan_s", 50), "plan_p95_s": pct("plan_s", 95),
            "plan_cpu_p50_s": pct("plan_cpu_s", 50), "plan_cpu_p95_s": pct("plan_cpu_s", 95),
            "claimed_p50": pct("claimed", 50), "verified_min": pct("verified", 0),
            "path_ratio_p50": pct("path_ratio", 50), "path_ratio_max": pct("path_ratio", 100),
            "path_ratio_hk_p50": pct("path_ratio_hk", 50), "path_ratio_hk_max": pct("path_ratio_hk", 100),
            "verified_p50": pct("verified", 50), "claims_verified_min": pct("claims_verified", 0),
            "mean_best_vis_p50": pct("mean_best_vis", 50), "path_p50_m": pct("path_m", 50),
            "duration_p50_s": pct("duration_s", 50), "frames_p50": pct("frames", 50),
            "mean_speed_p50": pct("mean_speed", 50), "walking_speed_p50": pct("mean_walking_speed", 50),
            "peak_speed_max": pct("peak_speed", 100), "peak_yaw_rate_max": pct("peak_yaw_rate", 100),
            "peak_yaw_accel_max": pct("peak_yaw_accel", 100), "peak_sideways_max": pct("peak_sideways", 100),
            "close_fraction_max": pct("max_close_fraction", 100), "s_per_covered_p50": pct("s_per_covered", 50),
            "turn_in_place_p50_s": pct("turn_in_place_s", 50), "step_p50_s": pct("step_s", 50),
            "moving_p50_s": pct("moving_s", 50), "sightline_cpu_p50_s": pct("sightline_cpu_s", 50),
            "sightline_cpu_max_s": pct("sightline_cpu_s", 100),
            "bound_p50": pct("bound", 50), "bound_loose_p50": pct("bound_loose", 50), "of_bound_p50": pct("of_bound", 50),
            "of_bound_min": pct("of_bound", 0)}


def format_trajectory_report(res: dict) -> str:
    """Markdown table, one row per camera preset."""
    head = ("| preset | scenes | plan wall p50 / p95 s | plan CPU p50 / p95 s | claimed | verified p50 (min) | "
            "claims verified (min) | best vis | path m | path / MST bound p50 (max) | path / Held-Karp bound p50 (max) | "
            "video s | frames | speed mean / walking / peak m/s | yaw rate max deg/s | s per covered obj |")
    lines = [f"scene preset {res['scene_preset']}, seeds {res['run_seed']}..{res['run_seed'] + res['n_seeds'] - 1}, "
             f"verified on {res['verify']}", head, "|" + "---|" * 16]
    for name, s in res["by_preset"].items():
        lines.append(
            f"| {name} | {s['n']} | {s['plan_p50_s']:.1f} / {s['plan_p95_s']:.1f} | "
            f"{s['plan_cpu_p50_s']:.1f} / {s['plan_cpu_p95_s']:.1f} | "
            f"{s['claimed_p50']:.2f} | {s['verified_p50']:.3f} ({s['verified_min']:.2f}) | {s['claims_verified_min']:.2f} | "
            f"{s['mean_best_vis_p50']:.2f} | {s['path_p50_m']:.1f} | "
            f"{s['path_ratio_p50']:.2f} ({s['path_ratio_max']:.2f}) | "
            f"{s['path_ratio_hk_p50']:.2f} ({s['path_ratio_hk_max']:.2f}) | "
            f"{s['duration_p50_s']:.0f} | {s['frames_p50']:.0f} | "
            f"{s['mean_speed_p50']:.2f} / {s['walking_speed_p50']:.2f} / {s['peak_speed_max']:.2f} | "
            f"{s['peak_yaw_rate_max']:.0f} | {s['s_per_covered_p50']:.1f} |")
    lines += ["", "| preset | video s p50 | moving (> 0.1 m/s) s p50 | turning in place s p50 | "
              "turning while stepping s p50 (part of moving) |",
              "|---|---|---|---|---|"]
    for name, s in res["by_preset"].items():
        lines.append(f"| {name} | {s['duration_p50_s']:.0f} | {s['moving_p50_s']:.0f} | "
                     f"{s['turn_in_place_p50_s']:.0f} | {s['step_p50_s']:.0f} |")
    rows = [r for r in res["rows"] if r.get("sightline_cpu_s") is not None]
    if rows:
        seen = {}
        for r in rows:
            seen.setdefault(r["seed"], r)
        cpu = [r["sightline_cpu_s"] for r in seen.values()]
        lines += ["", f"sightline stage (layout, before planning; simgen.scenes.sightlines), {len(seen)} scenes: CPU p50 "
                      f"{np.percentile(cpu, 50):.1f} s, max {max(cpu):.1f} s; objects no view covered before it "
                      f"p50 {np.percentile([r['unseen_before_sightlines'] for r in seen.values()], 50):.0f}; "
                      f"small objects moved {sum(r['sightline_moved'] for r in seen.values())} in all"]
    bounded = {n: s for n, s in res["by_preset"].items() if not np.isnan(s.get("bound_p50", float("nan")))}
    if bounded:
        lines += ["", "| preset | verified p50 | single-pose bound p50 (no vis margin) | verified / bound p50 (min) |",
                  "|---|---|---|---|"]
        for name, s in bounded.items():
            lines.append(f"| {name} | {s['verified_p50']:.3f} | {s['bound_p50']:.3f} ({s['bound_loose_p50']:.3f}) | "
                         f"{s['of_bound_p50']:.3f} ({s['of_bound_min']:.3f}) |")
    return "\n".join(lines)


def cameras_for_bench(names: list[str], base_overrides: dict | None = None) -> dict:
    """{name: CameraConfig} for camera preset names, with the same overrides applied to each."""
    from simgen.core.settings import CameraConfig, load_preset

    out = {}
    for n in names:
        cfg = load_preset("cameras", n, CameraConfig)
        out[n] = dataclasses.replace(cfg, **(base_overrides or {}))
    return out
