"""`simgen bench layout`: the layout optimizer measured over many seeds of one scene preset.

Per seed: generate_scene (layout + settle), then the independent checks: interpenetrating pairs
(> 1 cm, pybullet contacts on the convex pieces), out-of-bounds objects (any OBB corner > 1 cm outside
its room polygon or above the ceiling), floating objects (floor/surface objects whose base is > 1 cm
from their support plane), and a 2 s pybullet stability check from the final poses.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from shapely.geometry import Point, Polygon

log = logging.getLogger(__name__)


def check_scene(scene, wall_thickness_m: float, stability_s: float = 2.0) -> dict:
    """Independent validity checks of a finished scene (see module doc)."""
    from simgen.scenes.physics import MAX_REST_GAP_M, _rest_gap, stability_check

    rooms = {r.id: r for r in scene.rooms}
    objs = {o.id: o for o in scene.objects}
    oob, floating = [], []
    for o in scene.objects:
        r = rooms[o.room]
        poly = Polygon(r.polygon).buffer(0.01)
        c = o.box_corners()
        if any(not poly.contains(Point(p[0], p[1])) for p in c) or c[:, 2].max() > r.height_m + 0.01:
            oob.append(o.id)
        z = float(c[:, 2].min())
        if o.placement == "floor" and z > 0.01:
            floating.append(o.id)
        elif o.placement == "surface" and _rest_gap(o, {}, objs) > MAX_REST_GAP_M:   # the settle's own rule
            floating.append(o.id)
    stab = stability_check(list(scene.objects), list(scene.rooms), wall_thickness_m, stability_s)
    return {"out_of_bounds": oob, "floating": floating, "penetrating_pairs": stab["penetrating_pairs"],
            "n_unstable": stab["n_unstable"], "n_objects": len(scene.objects)}


def bench_layout(scene_cfg, n_seeds: int, run_seed: int = 0, progress: bool = True,
                 camera_clearance_m: float = 0.3, camera=None) -> dict:
    """Generate `n_seeds` scenes of `scene_cfg` on this core and aggregate the layout metrics.
    camera: the run's CameraConfig; with it (and `sightlines` on in the preset) each scene also goes
    through the sightline stage, as `simgen render` does (simgen.scenes.sightlines)."""
    from contextlib import nullcontext

    rows = []
    it = range(n_seeds)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc=f"bench layout {scene_cfg.name}", unit="scene")
    gl_ctx = nullcontext(None)
    if camera is not None and scene_cfg.sightlines:
        from simgen.cameras.planner_gl import PlannerGL

        gl_ctx = PlannerGL(160, max(1, round(160 * camera.height / camera.width)))
    with gl_ctx as pgl:
        for k in it:
            rows.append(_bench_one(scene_cfg, run_seed + k, k, camera_clearance_m, camera, pgl))
    return aggregate_rows(scene_cfg.name, rows, n_seeds, run_seed)


def _bench_one(scene_cfg, seed: int, k: int, camera_clearance_m: float, camera, pgl) -> dict:
    """One seed's bench row: generate (and clear sightlines, with a planner_gl), then check."""
    from simgen.core.errors import RejectedScene
    from simgen.core.rng import stage_rng
    from simgen.scenes.generate import generate_scene
    from simgen.scenes.sightlines import apply_sightlines

    t0, c0 = time.perf_counter(), time.process_time()
    try:
        scene = generate_scene(scene_cfg, f"{k:06d}", seed, stage_rng(seed, "layout"), camera_clearance_m)
        if pgl is not None:
            scene = apply_sightlines(scene, scene_cfg, camera, seed, pgl)
    except RejectedScene as e:
        return {"seed": seed, "failed": True, "reason": str(e), "time_s": time.perf_counter() - t0}
    t_gen, c_gen = time.perf_counter() - t0, time.process_time() - c0
    chk = check_scene(scene, scene_cfg.wall_thickness_m)
    st, lay = scene.reports["stats"], scene.reports["layout"]
    sl = dict(lay.get("sightlines", {}), **scene.reports.get("sightline_timing", {}))
    return {
        "seed": seed, "failed": False, "time_s": t_gen, "cpu_s": c_gen,
        "relations_by_type": st["relations_by_type"],
        # objects in the final scene over the preset's sampled targets (before any feasibility cap)
        "objects_vs_target": st["n_objects"] / max(1, sum(r["targets"]["total"] for r in lay["rooms"])),
        "fill": [r["fill"] for r in lay["rooms"]],
        "dropped": {p: sum(len(r["dropped"].get(p, [])) for r in lay["rooms"])
                    for p in ("floor", "wall", "surface", "ceiling")},
        "room_times_s": [t["solve_time_s"] for t in scene.reports["timing"]],
        "n_rooms": len(scene.rooms), "n_objects": st["n_objects"],
        "objects_per_room": [r["n_objects"] for r in st["rooms"].values()],
        "occupancy": [r["floor_occupancy"] for r in st["rooms"].values()],
        # pocket fill (dense presets): items it placed, and the floor its kept walkway needs
        "pocket_placed": sum(lr["pocket_fill"]["placed"] for lr in lay["rooms"] if "pocket_fill" in lr),
        "walkway_fraction": [lr["pocket_fill"]["walkway_m2"] / Polygon(r.polygon).area
                             for r, lr in zip(scene.rooms, lay["rooms"]) if "pocket_fill" in lr],
        "n_categories": st["n_categories"], "clutter": st["clutter_fraction"],
        "max_same_category": st["max_same_category"],
        "item_fidelity": st["item_fidelity"], "relation_fidelity": st["relation_fidelity"],
        "removed_by_physics": len(scene.reports["physics"]["removed_ids"]),
        # the sightline stage (if run): CPU, and small objects it moved
        "sightline_cpu_s": sl.get("cpu_s"), "sightline_moved": len(sl.get("moved", [])),
        "time_cap_hit": lay["time_cap_hit"], **chk}


def aggregate_rows(preset: str, rows: list[dict], n_seeds: int, run_seed: int = 0) -> dict:
    """The bench summary of per-seed rows (as made by bench_layout)."""
    ok = [r for r in rows if not r["failed"]]
    cat = lambda k: [v for r in ok for v in r[k]]  # noqa: E731
    col = lambda k: [r[k] for r in ok]  # noqa: E731
    room_t = cat("room_times_s")
    walk = [v for r in ok for v in r.get("walkway_fraction", ())]
    n_obj = sum(col("n_objects"))
    pct = lambda xs, q: float(np.percentile(xs, q)) if xs else float("nan")  # noqa: E731
    return {
        "preset": preset, "n_seeds": n_seeds, "run_seed": run_seed, "n_failed": len(rows) - len(ok),
        "failure_rate": (len(rows) - len(ok)) / max(1, len(rows)),
        "room_time_p50_s": pct(room_t, 50), "room_time_p95_s": pct(room_t, 95), "room_time_max_s": max(room_t, default=0),
        "scene_time_p50_s": pct(col("time_s"), 50),
        "scene_cpu_p50_s": pct(col("cpu_s"), 50), "scene_cpu_p95_s": pct(col("cpu_s"), 95),
        "relations_by_type": _sum_by_type(col("relations_by_type")),
        "dropped": {p: int(sum(r["dropped"][p] for r in ok)) for p in ("floor", "wall", "surface", "ceiling")},
        "objects_vs_target_mean": float(np.mean(col("objects_vs_target"))) if ok else 0.0,
        "fill_tried": int(sum(f["tried"] for r in ok for f in r["fill"])),
        "fill_placed": int(sum(f["placed"] for r in ok for f in r["fill"])),
        "rooms_mean": float(np.mean(col("n_rooms"))) if ok else 0.0,
        "objects_per_room_p50": pct(cat("objects_per_room"), 50),
        "occupancy_p50": pct(cat("occupancy"), 50),
        "pocket_placed": int(sum(r.get("pocket_placed", 0) for r in ok)),
        "walkway_fraction_p50": pct(walk, 50) if walk else None,
        "categories_p50": pct(col("n_categories"), 50), "clutter_p50": pct(col("clutter"), 50),
        "max_same_category_p50": pct(col("max_same_category"), 50),
        "penetrating_pairs": int(sum(col("penetrating_pairs"))),
        "out_of_bounds": int(sum(len(r["out_of_bounds"]) for r in ok)),
        "floating": int(sum(len(r["floating"]) for r in ok)),
        "stable_fraction": 1.0 - sum(col("n_unstable")) / max(1, n_obj),
        "removed_by_physics": int(sum(col("removed_by_physics"))),
        "item_fidelity_mean": float(np.mean(col("item_fidelity"))) if ok else 0.0,
        "relation_fidelity_mean": float(np.mean(col("relation_fidelity"))) if ok else 0.0,
        "time_cap_hits": int(sum(col("time_cap_hit"))),
        "sightline_cpu_p50_s": pct([r["sightline_cpu_s"] for r in ok if r.get("sightline_cpu_s") is not None], 50),
        "sightline_moved": int(sum(r.get("sightline_moved", 0) for r in ok)),
        "rows": rows,
    }


def _sum_by_type(dicts: list[dict]) -> dict:
    out: dict = {}
    for d in dicts:
        for t, v in d.items():
            o = out.setdefault(t, {"requested": 0, "satisfied": 0})
            o["requested"] += v["requested"]
            o["satisfied"] += v["satisfied"]
    return dict(sorted(out.items()))


def format_layout_report(res: dict | list[dict]) -> str:
    """Markdown table, one row per preset result."""
    results = res if isinstance(res, list) else [res]
    head = ("| preset | seeds | fail | room p50 / p95 s | obj/room p50 | occupancy p50 | categories | clutter | "
            "max dup | interpen. pairs | OOB | floating | stable (2 s) | items held | relations held |")
    lines = [head, "|" + "---|" * 15]
    for r in results:
        lines.append(
            f"| {r['preset']} | {r['n_seeds']} | {r['failure_rate']:.0%} | {r['room_time_p50_s']:.1f} / "
            f"{r['room_time_p95_s']:.1f} | {r['objects_per_room_p50']:.0f} | {r['occupancy_p50']:.2f} | "
            f"{r['categories_p50']:.0f} | {r['clutter_p50']:.2f} | {r['max_same_category_p50']:.0f} | "
            f"{r['penetrating_pairs']} | {r['out_of_bounds']} | {r['floating']} | {r['stable_fraction']:.3f} | "
            f"{r['item_fidelity_mean']:.3f} | {r['relation_fidelity_mean']:.3f} |")
    for r in results:
        if "relations_by_type" not in r:
            continue
        miss = ", ".join(f"{t} {v['requested'] - v['satisfied']}/{v['requested']}"
                         for t, v in r["relations_by_type"].items() if v["requested"] > v["satisfied"])
        lines.append(f"\n{r['preset']}: scene CPU p50 / p95 {r['scene_cpu_p50_s']:.1f} / {r['scene_cpu_p95_s']:.1f} s; "
                     f"relations not held: {miss or 'none'}; items dropped: "
                     + ", ".join(f"{p} {n}" for p, n in r["dropped"].items() if n)
                     + f"; fill placed {r['fill_placed']}/{r['fill_tried']}; objects / preset target "
                     f"{r['objects_vs_target_mean']:.3f}")
        if r.get("walkway_fraction_p50") is not None:
            lines.append(f"{r['preset']}: pocket fill placed {r['pocket_placed']} items; the kept walkway with its "
                         f"band takes {r['walkway_fraction_p50']:.2f} of a room's floor (p50), so occupancy can "
                         f"reach at most {1 - r['walkway_fraction_p50']:.2f} there")
    return "\n".join(lines)
