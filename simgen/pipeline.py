"""Composes the stages for one scene and writes its directory. Nothing here decides *how* a stage
works; it only passes plain data from one stage to the next and measures time per stage."""

from __future__ import annotations

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


def render_items(scene):
    """The scene as renderer items: one item per structure and per asset part (parts share their object's id)."""
    from simgen.render import RenderItem

    items = [RenderItem(instance_id=s.id, name=s.name, mesh=s.mesh, material=s.material, pose=np.eye(4))
             for s in scene.structures]
    for o in scene.objects:
        for p in o.asset.parts:
            items.append(RenderItem(instance_id=o.id, name=f"{o.name}/{p.name}", mesh=p.mesh,
                                    material=p.material, pose=o.pose))
    return items


def render_lights(scene):
    from simgen.render import Light

    return [Light(kind=li.kind, position=li.position, direction=(0.0, 0.0, -1.0), color=li.color,
                  intensity=li.intensity) for li in scene.lights]


class Renderers:
    """The GL resources one worker keeps for a whole run: the main renderer and the solo counter."""

    def __init__(self, width: int, height: int):
        from simgen.render import Renderer, SoloCounter

        self.size = (width, height)
        self.main = Renderer(width, height)
        self.solo = SoloCounter(width, height)

    def __enter__(self) -> "Renderers":
        self.main.__enter__()
        try:
            self.solo.__enter__()
        except BaseException:
            self.main.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.solo.__exit__(*exc)
        finally:
            self.main.__exit__(*exc)


def run_scene(run: RunConfig, scene_id: str, seed: int, out_dir: Path, gl: Renderers) -> dict:
    """Generate, render and annotate one scene into `out_dir` (a temporary directory).

    `gl` holds open renderers of the run's resolution (one set per worker process).
    Returns the manifest row (without the file hashes, which the committer adds).
    """
    from simgen.annotate.frames import coverage, frame_record, obb_of
    from simgen.annotate.qa import counting_questions
    from simgen.cameras.trajectory import plan_trajectory
    from simgen.core.color import linear_to_srgb8
    from simgen.io.jsonio import write_json, write_jsonl
    from simgen.io.media import VideoWriter, depth_to_mm, write_png16
    from simgen.cameras.export import camera_json
    from simgen.io.scene_files import scene_json, write_glb
    from simgen.scenes.generate import generate_scene

    timer = Timer()
    cam = run.camera
    with timer.stage("layout"):
        scene = generate_scene(run.scene, scene_id, seed, stage_rng(seed, "layout"), cam.clearance_m)
    with timer.stage("camera"):
        traj = plan_trajectory(scene, cam, stage_rng(seed, "camera"), run.scene.wall_thickness_m)
        poses = traj.cam_to_world()
    with timer.stage("render_setup"):
        items = render_items(scene)
        gl.main.load(items, render_lights(scene))
        gl.solo.load([it for it in items if it.instance_id in {o.id for o in scene.objects}])
    obbs = {o.id: obb_of(o) for o in scene.objects}
    (out_dir / "depth").mkdir()
    (out_dir / "instance").mkdir()
    frames = []
    exposure = 1.0
    with VideoWriter(out_dir / "rgb.mp4", cam.width, cam.height, cam.fps) as video:
        for i, pose in enumerate(poses):
            with timer.stage("render"):
                fb = gl.main.render(traj.K, pose, outputs=("rgb", "depth", "instance"))
            with timer.stage("annotate"):
                present = [int(v) for v in np.unique(fb.instance) if int(v) in obbs]
                solo = gl.solo.counts(traj.K, pose, present)
                frames.append(frame_record(i, fb.instance, solo, traj.K, pose, obbs))
            with timer.stage("write"):
                write_png16(out_dir / "depth" / f"{i:06d}.png", depth_to_mm(fb.depth_m))
                write_png16(out_dir / "instance" / f"{i:06d}.png", fb.instance)
                video.write(linear_to_srgb8(fb.rgb_linear * exposure))
    with timer.stage("annotate"):
        cov = coverage(frames, sorted(obbs), cam.width, cam.height, cam.cover_vis, cam.cover_min_px,
                       cam.cover_corners_inside, cam.cover_max_distance_m)
        sj = scene_json(scene, traj, cov, len(poses))
        qa = counting_questions(scene_id, sj["objects"], frames, n_rooms=len(scene.rooms))
    with timer.stage("write"):
        write_json(out_dir / "scene.json", sj)
        write_json(out_dir / "camera.json", camera_json(traj, poses))
        write_jsonl(out_dir / "frames.jsonl", frames)
        write_jsonl(out_dir / "qa.jsonl", qa)
        write_glb(out_dir / "scene.glb", scene)
    return {
        "scene_id": scene_id, "seed": seed, "params": scene.params, "n_frames": len(poses),
        "n_objects": len(scene.objects), "coverage": sj["stats"]["coverage"],
        "timings_s": {k: round(v, 4) for k, v in timer.timings.items()},
    }
