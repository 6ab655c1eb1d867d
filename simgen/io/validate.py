"""`simgen validate OUT`: check an output directory against the output contract (docs/format.md).

Per scene: files present, JSON Schemas of docs/schema/, frame counts that agree (camera.json,
scene.json, frames.jsonl, depth/ and instance/ PNGs, decoded rgb.mp4), image sizes and 16-bit modes,
PNGs that decode completely, instance-id coverage (every id in the PNGs is listed in scene.json, every
`visible_px` equals the pixels of that id), sha256 of every file against the manifest, and every QA item
re-derived by `simgen.annotate.programs.check_item`. Reads only; writes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from simgen.core.errors import ConfigError
from simgen.io.jsonio import read_jsonl

SCENE_FILES = ("scene.json", "camera.json", "frames.jsonl", "qa.jsonl", "rgb.mp4", "scene.glb")
SCHEMAS = {"scene.json": "scene.schema.json", "camera.json": "camera.schema.json",
           "frames.jsonl": "frames_line.schema.json", "qa.jsonl": "qa_line.schema.json",
           "manifest.jsonl": "manifest_line.schema.json", "dataset.json": "dataset.schema.json"}
_PNG = re.compile(r"^(\d{6})\.png$")


def schema_dir() -> Path:
    """docs/schema of a source checkout, or the copy packaged as simgen/_schema in a wheel."""
    here = Path(__file__).resolve()
    for d in (here.parents[2] / "docs" / "schema", here.parents[1] / "_schema"):
        if (d / "scene.schema.json").is_file():
            return d
    raise ConfigError("the JSON Schemas (docs/schema/*.schema.json) are not installed with this simgen")


def load_schemas() -> dict:
    d = schema_dir()
    return {f: json.loads((d / s).read_text(encoding="utf-8")) for f, s in SCHEMAS.items()}


@dataclass
class Problem:
    where: str          # "dataset" or a scene id
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}/{self.file}: {self.message}"


@dataclass
class ValidationReport:
    root: str
    counts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, file: str, message: str) -> None:
        self.problems.append(Problem(where, file, message))

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def to_dict(self) -> dict:
        return {"root": self.root, "ok": self.ok, "counts": self.counts, "notes": self.notes,
                "problems": [{"where": p.where, "file": p.file, "message": p.message} for p in self.problems]}


class _Schemas:
    def __init__(self):
        try:
            import jsonschema
        except ImportError as e:
            raise ConfigError(f"simgen validate needs the Python package 'jsonschema' ({e}); "
                              'install it with: pip install "simgen[export]"') from None
        self._v = {}
        for f, s in load_schemas().items():
            cls = jsonschema.validators.validator_for(s)
            self._v[f] = cls(s)

    def first_error(self, file: str, obj) -> str | None:
        err = next(iter(self._v[file].iter_errors(obj)), None)
        if err is None:
            return None
        path = "/".join(str(p) for p in err.absolute_path)
        return f"schema: {err.message[:160]}" + (f" at {path}" if path else "")


def _read_json(rep: ValidationReport, sid: str, path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        rep.add(sid, path.name, f"cannot be read as JSON: {e}")
        return None


def _read_lines(rep: ValidationReport, sid: str, path: Path) -> list | None:
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        rep.add(sid, path.name, f"cannot be read: {e}")
        return None
    for k, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:
            rep.add(sid, path.name, f"line {k} is not JSON: {e}")
            return None
    return rows


def _check_png(rep, sid, path: Path, size_wh) -> np.ndarray | None:
    from PIL import Image

    rel = f"{path.parent.name}/{path.name}"
    try:
        with Image.open(path) as im:
            im.load()
            if im.size != tuple(size_wh):
                rep.add(sid, rel, f"is {im.size[0]}x{im.size[1]}, camera.json says {size_wh[0]}x{size_wh[1]}")
                return None
            if im.mode not in ("I;16", "I;16B", "I;16L", "I"):
                rep.add(sid, rel, f"is not a 16-bit greyscale PNG (mode {im.mode})")
                return None
            return np.asarray(im, dtype=np.uint16)
    except Exception as e:   # PIL raises OSError, SyntaxError, ValueError on damaged files
        rep.add(sid, rel, f"cannot be decoded ({type(e).__name__}: {e})")
        return None


def _check_video(rep, sid, path: Path, n: int, size_wh) -> None:
    import imageio_ffmpeg

    w, h = size_wh
    try:
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        count = sum(1 for _ in reader)
    except Exception as e:
        rep.add(sid, path.name, f"cannot be decoded ({type(e).__name__}: {str(e).splitlines()[0][:120]})")
        return
    vw, vh = meta["size"]
    if (vw, vh) != (w + w % 2, h + h % 2):
        rep.add(sid, path.name, f"is {vw}x{vh}, camera.json says {w}x{h} (padded to even: {w + w % 2}x{h + h % 2})")
    if count != n:
        rep.add(sid, path.name, f"has {count} frames, camera.json has {n}")
    rep.count("video_frames", count)


def _check_item_fn(rep: ValidationReport):
    try:
        from simgen.annotate.programs import check_item
    except ImportError as e:
        rep.notes.append(f"QA answers were not re-derived: simgen.annotate.programs is unavailable ({e})")
        return None
    return check_item


def validate_scene(rep: ValidationReport, d: Path, manifest_row: dict | None, schemas: _Schemas,
                   check_item=None) -> None:
    sid = d.name
    from simgen.io.output import sha256_file

    missing = [f for f in SCENE_FILES if not (d / f).is_file()]
    for f in missing:
        rep.add(sid, f, "missing")
    docs = {}
    for f in ("scene.json", "camera.json"):
        if f not in missing:
            docs[f] = _read_json(rep, sid, d / f)
            if docs[f] is not None:
                err = schemas.first_error(f, docs[f])
                if err:
                    rep.add(sid, f, err)
    lines = {}
    for f in ("frames.jsonl", "qa.jsonl"):
        if f not in missing:
            lines[f] = _read_lines(rep, sid, d / f)
            for k, row in enumerate(lines[f] or [], start=1):
                err = schemas.first_error(f, row)
                if err:
                    rep.add(sid, f, f"line {k}: {err}")
                    break
    scene, cam, frames, qa = docs.get("scene.json"), docs.get("camera.json"), lines.get("frames.jsonl"), lines.get("qa.jsonl")
    # checksums against the manifest
    if manifest_row is not None:
        listed = manifest_row.get("files") or {}
        actual = {p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file()}
        for rel in sorted(set(listed) - actual):
            if rel not in missing:
                rep.add(sid, rel, "listed in manifest.jsonl but missing")
        for rel in sorted(actual - set(listed)):
            rep.add(sid, rel, "present but not listed in manifest.jsonl")
        for rel in sorted(set(listed) & actual):
            rep.count("files_hashed")
            if sha256_file(d / rel) != listed[rel]:
                rep.add(sid, rel, "sha256 differs from manifest.jsonl")
    if not (isinstance(cam, dict) and isinstance(cam.get("frames"), list) and "width" in cam and "height" in cam):
        return
    n = len(cam["frames"])
    size = (int(cam["width"]), int(cam["height"]))
    rep.count("frames", n)
    if [f.get("index") for f in cam["frames"]] != list(range(n)):
        rep.add(sid, "camera.json", "frame indices are not 0..n-1 in order")
    if isinstance(scene, dict) and scene.get("n_frames") != n:
        rep.add(sid, "scene.json", f"n_frames is {scene.get('n_frames')}, camera.json has {n} frames")
    if manifest_row is not None and manifest_row.get("n_frames") != n:
        rep.add(sid, "manifest.jsonl", f"n_frames is {manifest_row.get('n_frames')}, camera.json has {n} frames")
    if frames is not None:
        if len(frames) != n:
            rep.add(sid, "frames.jsonl", f"has {len(frames)} lines, camera.json has {n} frames")
        elif [f.get("index") for f in frames] != list(range(n)):
            rep.add(sid, "frames.jsonl", "frame indices are not 0..n-1 in order")
    ids_all, ids_obj = set(), set()
    if isinstance(scene, dict):
        for o in scene.get("objects", []):
            if isinstance(o, dict) and isinstance(o.get("id"), int):
                ids_all.add(o["id"])
                if o.get("kind") == "object":
                    ids_obj.add(o["id"])
        rep.count("objects", len(ids_obj))
    for kind in ("depth", "instance"):
        folder = d / kind
        present = {int(m.group(1)) for p in (folder.iterdir() if folder.is_dir() else ())
                   if (m := _PNG.match(p.name))}
        for i in sorted(set(range(n)) - present)[:5]:
            rep.add(sid, f"{kind}/{i:06d}.png", "missing")
        for i in sorted(present - set(range(n)))[:5]:
            rep.add(sid, f"{kind}/{i:06d}.png", f"extra frame (camera.json has {n} frames)")
        for i in sorted(present & set(range(n))):
            arr = _check_png(rep, sid, folder / f"{i:06d}.png", size)
            rep.count(f"{kind}_pngs")
            if arr is None or kind == "depth":
                continue
            ids, px = np.unique(arr, return_counts=True)
            unknown = sorted(set(ids.tolist()) - {0} - ids_all)
            if unknown and ids_all:
                rep.add(sid, f"instance/{i:06d}.png", f"ids {unknown[:5]} are not listed in scene.json")
            if frames is not None and len(frames) == n:
                counts = dict(zip(ids.tolist(), px.tolist()))
                for o in frames[i].get("objects", []):
                    if ids_all and o.get("id") not in ids_obj:
                        rep.add(sid, "frames.jsonl", f"frame {i}: id {o.get('id')} is not an object of scene.json")
                    elif counts.get(o.get("id"), 0) != o.get("visible_px"):
                        rep.add(sid, "frames.jsonl", f"frame {i}: id {o.get('id')} visible_px {o.get('visible_px')} "
                                f"but the instance PNG has {counts.get(o.get('id'), 0)} pixels")
    if "rgb.mp4" not in missing:
        _check_video(rep, sid, d / "rgb.mp4", n, size)
    if (d / "rgb_clean.mp4").is_file():
        _check_video(rep, sid, d / "rgb_clean.mp4", n, size)
    if (d / "degradation.json").is_file():
        _read_json(rep, sid, d / "degradation.json")
    for item in qa or []:
        rep.count("qa_items")
        bad_frames = [f for f in item.get("evidence_frames", []) if not (isinstance(f, int) and 0 <= f < n)]
        if bad_frames:
            rep.add(sid, "qa.jsonl", f"{item.get('id')}: evidence frames {bad_frames[:5]} outside 0..{n - 1}")
        bad_ids = [i for i in item.get("objects", []) if ids_obj and i not in ids_obj]
        if bad_ids:
            rep.add(sid, "qa.jsonl", f"{item.get('id')}: objects {bad_ids[:5]} are not objects of scene.json")
        if check_item is not None and isinstance(scene, dict) and frames is not None:
            try:
                ok, msg = check_item(item, scene, cam, frames)
            except Exception as e:   # a program that cannot run is a problem of the item
                ok, msg = False, f"program failed: {type(e).__name__}: {e}"
            rep.count("qa_rederived")
            if not ok:
                rep.add(sid, "qa.jsonl", f"{item.get('id')}: answer does not re-derive ({msg})")


def validate(out: Path, check_qa: bool = True, progress: bool = True) -> ValidationReport:
    """Check OUT (see the module docstring). Never raises for problems in the data: they go in the report."""
    root = Path(out)
    if not root.is_dir():
        raise ConfigError(f"{root} is not a directory; give the --out directory of `simgen render`")
    rep = ValidationReport(str(root))
    schemas = _Schemas()
    ds = root / "dataset.json"
    if not ds.is_file():
        rep.add("dataset", "dataset.json", "missing")
    else:
        obj = _read_json(rep, "dataset", ds)
        if obj is not None and (err := schemas.first_error("dataset.json", obj)):
            rep.add("dataset", "dataset.json", err)
    manifest = {}
    mpath = root / "manifest.jsonl"
    rows = _read_lines(rep, "dataset", mpath) if mpath.is_file() else []
    if not mpath.is_file():
        rep.add("dataset", "manifest.jsonl", "missing")
    for k, r in enumerate(rows or [], start=1):
        err = schemas.first_error("manifest.jsonl", r)
        if err:
            rep.add("dataset", "manifest.jsonl", f"line {k}: {err}")
            continue
        if r["scene_id"] in manifest:
            rep.add("dataset", "manifest.jsonl", f"line {k}: scene {r['scene_id']} listed twice")
        manifest[r["scene_id"]] = r
    sdir = root / "scenes"
    dirs = sorted(p for p in sdir.iterdir() if p.is_dir()) if sdir.is_dir() else []
    for p in dirs:
        if p.name.startswith("."):
            rep.add("dataset", f"scenes/{p.name}", "temporary directory of an interrupted run "
                    "(run the same render command again to finish it)")
    dirs = [p for p in dirs if not p.name.startswith(".")]
    for sid in sorted(set(manifest) - {p.name for p in dirs}):
        rep.add(sid, "", "listed in manifest.jsonl but the scene directory is missing")
    for p in dirs:
        if p.name not in manifest:
            rep.add(p.name, "", "scene directory has no manifest.jsonl line")
    n_req = None
    if ds.is_file():
        try:
            n_req = json.loads(ds.read_text(encoding="utf-8")).get("n_requested")
        except (OSError, json.JSONDecodeError):
            pass
    failures = read_jsonl(root / "failures.jsonl")
    rep.counts.update({"scenes": len(dirs), "scenes_requested": n_req, "failures": len(failures)})
    check_item = _check_item_fn(rep) if check_qa else None
    for p in tqdm(dirs, desc="validate", unit="scene", disable=not progress, leave=False):
        validate_scene(rep, p, manifest.get(p.name), schemas, check_item)
    return rep


def format_report(rep: ValidationReport, max_problems: int = 20) -> str:
    c = rep.counts
    head = (f"{rep.root}: {c.get('scenes', 0)} scenes ({c.get('scenes_requested')} requested, "
            f"{c.get('failures', 0)} failed), {c.get('frames', 0)} frames, {c.get('objects', 0)} objects, "
            f"{c.get('qa_items', 0)} QA items ({c.get('qa_rederived', 0)} re-derived), "
            f"{c.get('files_hashed', 0)} files hashed")
    lines = [head]
    lines += [f"note: {n}" for n in rep.notes]
    if rep.ok:
        lines.append("OK: no problems found")
    else:
        lines.append(f"{len(rep.problems)} problem(s); the first {min(max_problems, len(rep.problems))}:")
        lines += [f"  {p}" for p in rep.problems[:max_problems]]
    return "\n".join(lines)
