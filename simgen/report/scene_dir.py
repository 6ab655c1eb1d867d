"""Read one finished scene directory (docs/format.md) for pictures and reports.

    sd = SceneDir.open(Path("out/scenes/000000"))
    sd.rgb(3)                 # (H, W, 3) uint8, the delivered frame 3
    sd.rgb(3, clean=True)     # the same frame of rgb_clean.mp4 (only when sd.has_clean)
    sd.depth_mm(3)            # (H, W) uint16 millimetres, 0 = no surface
    sd.instance(3)            # (H, W) uint16 ids
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from simgen.core.errors import ConfigError


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: invalid JSON: {e}") from None


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file as a dict; [] when the file does not exist."""
    if not path.is_file():
        return []
    out = []
    for k, line in enumerate(path.read_text().splitlines()):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ConfigError(f"{path}:{k + 1}: invalid JSON: {e}") from None
    return out


class SceneDir:
    """The files of one scene directory, parsed; videos are decoded on first use and kept."""

    def __init__(self, path: Path, scene: dict, camera: dict, frames: list[dict], qa: list[dict],
                 degradation: dict | None):
        self.path = Path(path)
        self.scene = scene
        self.camera = camera
        self.frames = frames
        self.qa = qa
        self.degradation = degradation
        self._video: dict[str, np.ndarray] = {}

    @classmethod
    def open(cls, path) -> "SceneDir":
        path = Path(path)
        for name in ("scene.json", "camera.json"):
            if not (path / name).is_file():
                raise ConfigError(f"{path} is not a simgen scene directory (no {name})")
        deg = path / "degradation.json"
        return cls(path, _read_json(path / "scene.json"), _read_json(path / "camera.json"),
                   read_jsonl(path / "frames.jsonl"), read_jsonl(path / "qa.jsonl"),
                   _read_json(deg) if deg.is_file() else None)

    # ---- facts ---------------------------------------------------------------------------------
    @property
    def scene_id(self) -> str:
        return str(self.scene.get("scene_id", self.path.name))

    @property
    def width(self) -> int:
        return int(self.camera["width"])

    @property
    def height(self) -> int:
        return int(self.camera["height"])

    @property
    def n_frames(self) -> int:
        return len(self.camera.get("frames", []))

    @property
    def has_clean(self) -> bool:
        return (self.path / "rgb_clean.mp4").is_file()

    @property
    def degrade_spec(self) -> str | None:
        """The --degrade text of a degraded scene ('fog:3,low_light:2'), None when clean."""
        if not self.degradation or self.degradation.get("clean", False):
            return None
        return str(self.degradation.get("spec") or ",".join(
            f'{e["name"]}:{e["level"]}' for e in self.degradation.get("effects", [])))

    def objects(self) -> dict[int, dict]:
        """{id: scene.json entry} of the objects (structure excluded)."""
        return {int(o["id"]): o for o in self.scene.get("objects", []) if o.get("kind", "object") == "object"}

    def camera_path_xy(self) -> np.ndarray:
        """(n_frames, 2) float world xy of the camera centre per frame."""
        fr = self.camera.get("frames", [])
        return np.array([[f["cam_to_world"][0][3], f["cam_to_world"][1][3]] for f in fr], float).reshape(-1, 2)

    def camera_forward_xy(self) -> np.ndarray:
        """(n_frames, 2) float world xy of the optical axis (OpenCV +z column), not normalised."""
        fr = self.camera.get("frames", [])
        return np.array([[f["cam_to_world"][0][2], f["cam_to_world"][1][2]] for f in fr], float).reshape(-1, 2)

    def frame_objects(self, index: int) -> list[dict]:
        """frames.jsonl objects of frame `index` ([] when the frame lists none)."""
        if 0 <= index < len(self.frames) and self.frames[index].get("index", index) == index:
            return self.frames[index].get("objects", [])
        for f in self.frames:
            if f.get("index") == index:
                return f.get("objects", [])
        return []

    def check_index(self, index: int, what: str = "--frame") -> None:
        if not 0 <= index < self.n_frames:
            raise ConfigError(f"{what} must be in 0..{self.n_frames - 1}, got {index}")

    # ---- pixels --------------------------------------------------------------------------------
    def video(self, clean: bool = False) -> np.ndarray:
        """(T, H, W, 3) uint8 frames of rgb.mp4 (or rgb_clean.mp4), cropped to the delivered size."""
        from simgen.io.media import read_video

        name = "rgb_clean.mp4" if clean else "rgb.mp4"
        if name not in self._video:
            p = self.path / name
            if not p.is_file():
                raise ConfigError(f"{self.path} has no {name}")
            self._video[name] = read_video(p)[:, : self.height, : self.width]
        return self._video[name]

    def rgb(self, index: int, clean: bool = False) -> np.ndarray:
        """(H, W, 3) uint8 sRGB frame `index` of the delivered (or clean) video."""
        v = self.video(clean)
        if not 0 <= index < len(v):
            raise ConfigError(f"frame {index} is not in {self.path / 'rgb.mp4'} ({len(v)} frames)")
        return v[index]

    def depth_mm(self, index: int) -> np.ndarray:
        """(H, W) uint16 z-depth in millimetres, 0 = no surface."""
        from simgen.io.media import read_png16

        return read_png16(self.path / "depth" / f"{index:06d}.png")

    def instance(self, index: int) -> np.ndarray:
        """(H, W) uint16 instance ids, 0 = nothing."""
        from simgen.io.media import read_png16

        return read_png16(self.path / "instance" / f"{index:06d}.png")


def spread_indices(n: int, k: int) -> list[int]:
    """k frame indices spread evenly over 0..n-1, first and last included (all of them when n <= k)."""
    if n <= 0 or k <= 0:
        return []
    if n <= k:
        return list(range(n))
    return sorted({int(round(v)) for v in np.linspace(0, n - 1, k)})
