"""Composes the stages for one scene and writes its directory. Nothing here decides *how* a stage
works; it only passes plain data from one stage to the next and measures time per stage."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import numpy as np

from simgen.core.rng import stage_rng
from simgen.core.settings import RunConfig


class Timer:
    def __init__(self):
        self.timings: dict[str, float] = {}

    def stage(self, name: str):
        timer = self

        class _T:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.timings[name] = timer.timings.get(name, 0.0) + time.perf_counter() - self.t0

        return _T()


def render_items(scene, texture_rng: np.random.Generator | None = None):
    """The scene as renderer items: one item per structure and per asset part (parts share their object's id).

    Parts render through their textured copies (uv in metres, simgen.assets.texturing); walls, floors and
    ceilings too, each drawing its texture variant from `texture_rng` in structure order (variant 0 without).
    """
    from simgen.assets.texturing import textured_mesh, with_texture_variant
    from simgen.render import RenderItem

    items = []
    for s in scene.structures:
        mat = with_texture_variant(s.material, texture_rng) if texture_rng is not None else s.material
        items.append(RenderItem(instance_id=s.id, name=s.name, mesh=textured_mesh(s.mesh, mat), material=mat,
                                pose=np.eye(4)))
    for o in scene.objects:
        for p in o.asset.parts:
            items.append(RenderItem(instance_id=o.id, name=f"{o.name}/{p.name}", mesh=p.render_mesh(),
                                    material=p.material, pose=o.pose))
    return items


def render_lights(scene):
    from simgen.render import Light

    return [Light(kind=li.kind, position=li.position, direction=(0.0, 0.0, -1.0), color=li.color,
                  intensity=li.intensity) for li in scene.lights]


class Renderers:
    """The GL resources one worker keeps for a whole run: the main renderer and the solo counter."""

    def __init__(self, width: int, height: int, backend: str = "pyrender"):
        from simgen.render import Renderer, SoloCounter

        from simgen.cameras.planner_gl import PlannerGL

        self.size = (width, height)
        self.backend = backend
        if backend == "ai2thor":   # frames from AI2-THOR; labels still from simgen's geometry (docs/ai2thor.md)
            from simgen.interop.thor_backend import ThorRenderer

            self.main = ThorRenderer(width, height)
        else:
            self.main = Renderer(width, height)
        self.solo = SoloCounter(width, height)
        # the planner's persistent low-resolution renderer (same aspect ratio, 160 px wide)
        self.planner = PlannerGL(160, max(1, round(160 * height / width)))

    def __enter__(self) -> "Renderers":
        opened = []
        try:
            for r in (self.main, self.solo, self.planner):
                r.__enter__()
                opened.append(r)
        except BaseException:
            for r in reversed(opened):
                r.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for r in (self.planner, self.solo, self.main):
            try:
                r.__exit__(*exc)
            except Exception:  # noqa: BLE001 - close every context even if one fails
                pass


@functools.lru_cache(maxsize=2)
def _houses(path: str) -> list:
    from simgen.interop import load_houses

    return load_houses(path)


def make_scene(run: RunConfig, scene_id: str, seed: int):
    """The layout of scene `index`: generated from the scene preset, or imported from house `index` of
    `run.house` (ProcTHOR) with simgen's own assets."""
    rng = stage_rng(seed, "layout")
    if run.house is None:
        from simgen.cameras.trajectory import PLAN_MARGIN_M
        from simgen.scenes.generate import generate_scene

        # the layout keeps walkways for the clearance the planner really uses (clearance + its margin):
        # with the bare clearance, dense rooms left the camera a few reachable cells near the entrance
        return generate_scene(run.scene, scene_id, seed, rng, run.camera.clearance_m + PLAN_MARGIN_M)
    from simgen.interop import scene_from_house

    name, house = _houses(run.house)[int(scene_id)]   # scene ids are the zero-padded scene indices
    return scene_from_house(house, rng, scene_id=scene_id, seed=seed, house_id=name)


def run_scene(run: RunConfig, scene_id: str, seed: int, out_dir: Path, gl: Renderers, edit_scene=None) -> dict:
    """Generate, render and annotate one scene into `out_dir` (a temporary directory).

    `gl` holds open renderers of the run's resolution (one set per worker process).
    `edit_scene(scene) -> scene`, if given, changes the scene after the camera walk is planned and before
    anything is rendered (sweep controls: the same walk through an edited room).
    Returns the manifest row (without the file hashes, which the committer adds).
    """
    from simgen.annotate.frames import coverage, obb_of
    from simgen.annotate.qa import build_qa
    from simgen.io.jsonio import plain
    from simgen.cameras.trajectory import plan_trajectory
    from simgen.io.jsonio import write_json, write_jsonl
    from simgen.cameras.export import camera_json
    from simgen.io.scene_files import scene_json, write_glb
    timer = Timer()
    cam = run.camera
    with timer.stage("layout"):
        scene = make_scene(run, scene_id, seed)
    if run.house is None:
        from simgen.scenes.sightlines import apply_sightlines

        with timer.stage("sightlines"):
            scene = apply_sightlines(scene, run.scene, cam, seed, gl.planner)
    wall_m = scene.params.get("wall_thickness_m", run.scene.wall_thickness_m)
    dyn = None
    if run.dynamics is not None:   # opt-in: proxies join the scene before the camera plans its walk
        from simgen.dynamics import DynamicScene

        with timer.stage("dynamics"):
            dyn = DynamicScene.stage(scene, run.dynamics, stage_rng(seed, "dynamics"))
            scene = dyn.scene
    with timer.stage("camera"):
        traj = plan_trajectory(scene, cam, stage_rng(seed, "camera"), wall_m, planner_gl=gl.planner)
        poses = traj.cam_to_world()
    if dyn is not None:
        with timer.stage("dynamics"):
            dyn.simulate(traj, wall_m)
    if edit_scene is not None:
        scene = edit_scene(scene)
    with timer.stage("render_setup"):
        items = render_items(scene, stage_rng(seed, "textures"))
        if gl.backend == "ai2thor":
            from simgen.interop import house_from_scene, scene_json_of

            gl.main.load(items, render_lights(scene), house=house_from_scene(scene_json_of(scene)))
        else:
            gl.main.load(items, render_lights(scene))
        gl.solo.load([it for it in items if it.instance_id in {o.id for o in scene.objects}])
    obbs = {o.id: obb_of(o) for o in scene.objects}
    (out_dir / "depth").mkdir()
    (out_dir / "instance").mkdir()
    frames, delivered, degradation = _render_and_write(run, seed, traj, poses, gl, obbs, out_dir, timer,
                                                       scene.rooms, dyn)
    with timer.stage("annotate"):
        cov = coverage(frames, sorted(obbs), cam.width, cam.height, cam.cover_vis, cam.cover_min_px,
                       cam.cover_corners_inside, cam.cover_max_distance_m)
        sj = scene_json(scene, traj, cov, len(frames))
        cj = camera_json(traj, np.stack([p for p, _t, _s in delivered]))
        if degradation is not None:
            _apply_delivered_camera(cj, delivered, degradation)
        # QA reads exactly what is written, so its programs re-derive from the saved files
        events = None
        if dyn is not None:
            times = [t for _p, t, _s in delivered]
            sj["dynamics"] = dyn.scene_block(times)
            events = sj["dynamics"]["events"]
        sj, cj = plain(sj), plain(cj)
        qa = build_qa(sj, cj, frames, stage_rng(seed, "qa"))
        if dyn is not None:
            from simgen.dynamics.qa import merge_dynamic_qa

            qa = merge_dynamic_qa(qa, sj, cj, frames, stage_rng(seed, "qa_dynamics"))
    with timer.stage("write"):
        write_json(out_dir / "scene.json", sj)
        if degradation is not None:
            write_json(out_dir / "degradation.json", {"scene_id": scene_id, "seed": seed,
                                                      **degradation["record"]})
        write_json(out_dir / "camera.json", cj)
        write_jsonl(out_dir / "frames.jsonl", frames)
        write_jsonl(out_dir / "qa.jsonl", qa)
        if events is not None:
            write_jsonl(out_dir / "events.jsonl", events)
        write_glb(out_dir / "scene.glb", scene)
    return {
        "scene_id": scene_id, "seed": seed, "params": scene.params, "n_frames": len(frames),
        "n_objects": len(scene.objects), "coverage": sj["stats"]["coverage"],
        "timings_s": {k: round(v, 4) for k, v in timer.timings.items()},
    }


def _render_and_write(run: RunConfig, seed: int, traj, poses: np.ndarray, gl: Renderers, obbs: dict,
                      out_dir: Path, timer: Timer, rooms, dyn=None):
    """Render every frame, develop it through the camera model (and the degradations, if any), write
    the video and the depth/instance PNGs, and build the frames.jsonl records. One frame in memory.
    `dyn` (simgen.dynamics.DynamicScene or None): moved objects follow the simulation per frame.

    Returns (frame records, [(pose, timestamp_s, source frame index)] of the delivered frames,
    None or {"record": degradation record, "K": delivered K, "distortion": ..., "fps": ...}).
    """
    from simgen.annotate.frames import frame_record, obb_corners, visible_stats
    from simgen.degradations import meter_exposure, parse_degrade
    from simgen.io.media import VideoWriter
    from simgen.io.writer import BackgroundWriter

    cam = run.camera
    spec = parse_degrade(run.degrade)
    pending: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    # box corners per object, once per scene (moving objects get theirs per frame from their poses)
    corners = {oid: obb_corners(obb) for oid, obb in obbs.items()} if dyn is None else None

    def rendered():
        for i, pose in enumerate(poses):
            with timer.stage("render"):
                if dyn is not None:
                    dyn.pose_renderer(gl.main, float(traj.frame_times_s[i]))
                fb = gl.main.render(traj.K, pose, outputs=("rgb", "depth", "instance"))
            pending[i] = (fb.instance, pose)
            yield i, float(traj.frame_times_s[i]), fb.rgb_linear, fb.depth_m, fb.instance

    def annotate(k: int, src: int, delivered_instance: np.ndarray, warp=None) -> dict:
        instance, pose = pending.pop(src)
        stats = visible_stats(instance)
        present = [i for i in sorted(stats) if i in obbs]
        frame_obbs = obbs
        if dyn is not None:
            t_src = float(traj.frame_times_s[src])
            dyn.pose_renderer(gl.solo, t_src, objects_only=True)
            frame_obbs = dyn.obbs_at(t_src, obbs)
        solo = gl.solo.counts(traj.K, pose, present)
        rec = frame_record(k, instance, solo, traj.K, pose, frame_obbs, rooms=rooms, stats=stats, corners=corners)
        if dyn is not None:
            rec["moving_objects"] = dyn.frame_fields(t_src)
        if warp is not None:   # lens distortion: pixels and boxes of the delivered (warped) image
            stats = visible_stats(delivered_instance)
            kept = []
            for o in rec["objects"]:
                if o["id"] not in stats:
                    continue
                o["visible_px"], o["bbox_visible_xyxy"] = stats[o["id"]]
                o["bbox_amodal_xyxy"] = [float(v) for v in warp(np.array([o["bbox_amodal_xyxy"]]))[0]]
                kept.append(o)
            rec["objects"] = kept
        return rec

    frames, delivered = [], []
    bg = None   # the BackgroundWriter of the loop below: PNGs, flow and video frames written in order

    flow = None   # --flow: forward optical flow of the delivered frames (FlowWriter keeps one frame)

    def write_maps(k: int, depth_m: np.ndarray, instance: np.ndarray, src: int) -> None:
        moved = None
        if flow is not None and dyn is not None:
            t_src = float(traj.frame_times_s[src])
            moved = {e: dyn.motion.pose_at(e, t_src) for e in dyn.moved_object_ids}
        bg.submit(_write_maps, out_dir, k, depth_m, instance, flow, poses[src], moved)

    if spec.is_clean:
        if run.flow:
            from simgen.annotate.flow import FlowWriter

            flow = FlowWriter(out_dir, traj.K)
        exposure = None
        with VideoWriter(out_dir / "rgb.mp4", cam.width, cam.height, cam.fps) as video, \
                BackgroundWriter() as bg:
            for i, t_s, rgb, depth, inst in rendered():
                if exposure is None:   # auto-exposure, metered once per clip on its first frame
                    exposure = meter_exposure(rgb)
                with timer.stage("annotate"):
                    frames.append(annotate(i, i, inst))
                with timer.stage("write"):
                    write_maps(i, depth, inst, i)
                    bg.submit(_write_video_frame, video, rgb, exposure)
                delivered.append((poses[i], t_s, i))
            with timer.stage("write"):
                bg.close()
        return frames, delivered, None

    from simgen.core.rng import stage_rng
    from simgen.degradations import Degrader
    from simgen.degradations.stream import degrade_stream

    moving = {}
    if dyn is not None:   # object motion blur: sub-frames pose the moved objects at their own times

        def render_at(P, t_s):
            dyn.pose_renderer(gl.main, t_s)
            return gl.main.render(traj.K, P, outputs=("rgb",)).rgb_linear

        moving = {"render_linear_at": render_at, "moving_points_at": dyn.moving_points_at}
    dg = Degrader(spec, traj.K, cam.width, cam.height, cam.fps, stage_rng(seed, "degradation"),
                  pose_at=traj.pose_at,
                  render_linear=lambda P: gl.main.render(traj.K, P, outputs=("rgb",)).rgb_linear, **moving)
    warp = dg.map_boxes if dg.distortion() is not None else None
    if run.flow:
        if warp is not None:
            from simgen.core.errors import ConfigError

            raise ConfigError("--flow is not available with lens distortion (the flow model is a pinhole)")
        from simgen.annotate.flow import FlowWriter

        flow = FlowWriter(out_dir, dg.delivered_intrinsics())
    clean = out_dir / "rgb_clean.mp4" if run.keep_clean else None
    with BackgroundWriter() as bg:
        for k, out in enumerate(degrade_stream(dg, rendered(), out_dir / "rgb.mp4", clean)):
            for dropped in [j for j in pending if j < out.index]:
                pending.pop(dropped)
            with timer.stage("annotate"):
                frames.append(annotate(k, out.index, out.instance, warp))
            with timer.stage("write"):
                write_maps(k, out.depth_m, out.instance, out.index)
            delivered.append((poses[out.index], out.timestamp_s, out.index))
        with timer.stage("write"):
            bg.close()
    return frames, delivered, {"record": dg.last_record, "K": dg.delivered_intrinsics(),
                               "distortion": dg.distortion(), "fps": dg.delivered_fps()}


def _write_maps(out_dir: Path, k: int, depth_m: np.ndarray, instance: np.ndarray, flow, pose: np.ndarray,
                moved: dict | None) -> None:
    """Frame k's depth (uint16 mm) and instance PNGs, and its flow (writer thread)."""
    from simgen.io.media import depth_to_mm, write_png16

    write_png16(out_dir / "depth" / f"{k:06d}.png", depth_to_mm(depth_m))
    write_png16(out_dir / "instance" / f"{k:06d}.png", instance)
    if flow is not None:
        flow.add(k, depth_m, pose, instance=instance if moved else None, object_poses=moved)


def _write_video_frame(video, rgb_linear: np.ndarray, exposure: float) -> None:
    from simgen.degradations import develop_clean

    video.write(develop_clean(rgb_linear, exposure))


def _apply_delivered_camera(cj: dict, delivered: list, deg: dict) -> None:
    """camera.json of a degraded clip: the delivered intrinsics, distortion, frame rate and frames."""
    K = deg["K"]
    cj["K"] = K
    cj["intrinsics"] = {"fx": K[0, 0], "fy": K[1, 1], "cx": K[0, 2], "cy": K[1, 2]}
    cj["distortion"] = deg["distortion"]
    cj["fps"] = deg["fps"]
    for f, (_pose, t_s, src) in zip(cj["frames"], delivered):
        f["timestamp_s"] = t_s
        f["source_frame"] = src
