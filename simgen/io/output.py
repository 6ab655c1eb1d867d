"""The output directory: run lock, dataset.json, manifest, failures and atomic scene directories.

A scene directory is written under `scenes/.tmp-<scene_id>-<pid>` and renamed to `scenes/<scene_id>`
when every file is in place; its manifest line is appended (and fsynced) after the rename. A run that
is killed leaves at most a temporary directory (removed at the next start) or a finished directory
without a manifest line (its line is rebuilt from the files at the next start). Nothing is written
outside OUT.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

from simgen.core.errors import ConfigError
from simgen.io.jsonio import dumps, read_jsonl, write_json

CONTRACT_FILES = ("scene.json", "camera.json", "frames.jsonl", "rgb.mp4", "scene.glb")
_OWNED = ("dataset.json", "manifest.jsonl", "failures.jsonl", "scenes", ".lock")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def scene_files(scene_dir: Path) -> dict[str, str]:
    """{relative path: sha256} of every file of a finished scene, sorted by path."""
    out = {}
    for p in sorted(scene_dir.rglob("*")):
        if p.is_file():
            out[p.relative_to(scene_dir).as_posix()] = sha256_file(p)
    return out


def _append_line(path: Path, row: dict) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(dumps(row) + "\n")
        f.flush()
        os.fsync(f.fileno())


class OutputDir:
    """Owns OUT for one run. Use as a context manager: it takes an exclusive lock on OUT/.lock."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.scenes = self.root / "scenes"
        self.manifest = self.root / "manifest.jsonl"
        self.failures = self.root / "failures.jsonl"
        self.dataset = self.root / "dataset.json"
        self._lock_fd = None

    # -- checks that must happen before anything is written -------------------------------------
    @staticmethod
    def check_writable(root: Path) -> None:
        """One-line ConfigError if OUT cannot be used; writes nothing."""
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise ConfigError(f"--out {root} is a file; give a directory (it is created if missing)")
        probe = root
        while not probe.exists():
            probe = probe.parent
        if not probe.is_dir():
            raise ConfigError(f"--out {root}: {probe} is a file, not a directory")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise ConfigError(f"--out {root} is not writable (no write permission on {probe})")
        if root.is_dir():
            foreign = [p.name for p in root.iterdir() if p.name not in _OWNED]
            if foreign and not (root / "dataset.json").exists():
                raise ConfigError(
                    f"--out {root} is not empty and is not a simgen output directory "
                    f"(found {foreign[0]!r}); give an empty or new directory")

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.root / ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        except OSError as e:
            raise ConfigError(f"--out {self.root} cannot be written: {e.strerror}") from None
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise ConfigError(f"--out {self.root} is in use by another simgen run; wait for it or use another --out") from None
        self.scenes.mkdir(exist_ok=True)
        return self

    def __exit__(self, *exc):
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def clear(self) -> None:
        """--overwrite: remove what a previous run wrote (only simgen's own files)."""
        for name in ("dataset.json", "manifest.jsonl", "failures.jsonl"):
            (self.root / name).unlink(missing_ok=True)
        if self.scenes.exists():
            shutil.rmtree(self.scenes)
        self.scenes.mkdir()

    def start(self, run_config: dict, simgen_version: str, n: int, shard: tuple[int, int] | None = None) -> None:
        """Write dataset.json, or check that an existing one describes the same run (resume).

        `shard` (I, K) is recorded: a sharded OUT holds the scene indices i with i % K == I."""
        shard_text = None if shard is None else f"{shard[0]}/{shard[1]}"
        record = {"simgen_version": simgen_version, "n_requested": n, "config": run_config,
                  "shards": [shard_text] if shard_text else None,
                  "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        if self.dataset.exists():
            try:
                old = json.loads(self.dataset.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                old = None
            same = old is not None and json.loads(dumps(run_config)) == old.get("config")
            if not same:
                raise ConfigError(
                    f"--out {self.root} holds a run with a different configuration; "
                    "use --overwrite to replace it or choose another --out")
            shards = old.get("shards")
            changed = old.get("n_requested") != n
            if shards is not None and shard_text not in shards:
                old["shards"] = None if shard_text is None else sorted(shards + [shard_text])
                changed = True
            if changed:
                old["n_requested"] = n
                write_json(self.dataset, old)
            return
        write_json(self.dataset, record)
        for stale in self.scenes.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def recover(self) -> tuple[set[str], set[str]]:
        """Remove stale temporary scene dirs, rebuild manifest lines for finished dirs that lack one.

        Returns (finished scene ids, failed scene ids).
        """
        for stale in self.scenes.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        rows = read_jsonl(self.manifest)
        # rewrite the manifest without a torn last line and without duplicates
        seen, clean = set(), []
        for r in rows:
            sid = r.get("scene_id")
            if sid and sid not in seen and (self.scenes / sid).is_dir():
                seen.add(sid)
                clean.append(r)
        if len(clean) != len(rows) or (self.manifest.exists() and not self.manifest.read_bytes().endswith(b"\n")
                                       and self.manifest.stat().st_size):
            tmp = self.manifest.with_suffix(".jsonl.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                for r in clean:
                    f.write(dumps(r) + "\n")
            os.replace(tmp, self.manifest)
        for d in sorted(self.scenes.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and d.name not in seen:
                if all((d / f).exists() for f in CONTRACT_FILES):
                    scene = json.loads((d / "scene.json").read_text(encoding="utf-8"))
                    _append_line(self.manifest, {
                        "scene_id": d.name, "seed": scene.get("seed"), "recovered": True,
                        "params": scene.get("params", {}), "n_frames": scene.get("n_frames"),
                        "n_objects": len([o for o in scene.get("objects", []) if o.get("kind") == "object"]),
                        "coverage": scene.get("stats", {}).get("coverage"), "timings_s": None,
                        "files": scene_files(d)})
                    seen.add(d.name)
                else:
                    shutil.rmtree(d, ignore_errors=True)
        failed = {r["scene_id"] for r in read_jsonl(self.failures) if "scene_id" in r}
        return seen, failed - seen

    def temp_scene_dir(self, scene_id: str) -> Path:
        d = self.scenes / f".tmp-{scene_id}-{os.getpid()}"
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        return d

    def commit_scene(self, tmp_dir: Path, scene_id: str, manifest_row: dict) -> Path:
        """Atomically publish a finished scene, then append its manifest line."""
        final = self.scenes / scene_id
        if final.exists():  # a finished copy exists (e.g. recovered): keep the first
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return final
        fd = os.open(tmp_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp_dir, final)
        row = dict(manifest_row)
        row["files"] = scene_files(final)
        _append_line(self.manifest, row)
        return final

    def record_failure(self, row: dict) -> None:
        _append_line(self.failures, row)
