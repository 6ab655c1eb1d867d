"""Deterministic JSON writing: same data -> same bytes.

Floats are rounded to 1e-6 (a micrometre for lengths), numpy scalars and arrays become plain JSON,
keys keep insertion order (the writers build dicts in a fixed order).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

FLOAT_DECIMALS = 6


def plain(obj):
    """Recursively turn numpy types / tuples into JSON-ready Python values, rounding floats."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if not math.isfinite(f):
            return None
        r = round(f, FLOAT_DECIMALS)
        return 0.0 if r == 0 else r  # no "-0.0"
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj, indent: int | None = None) -> str:
    return json.dumps(plain(obj), indent=indent, ensure_ascii=False, allow_nan=False)


def write_json(path: Path, obj, indent: int | None = 1) -> None:
    Path(path).write_text(dumps(obj, indent=indent) + "\n", encoding="utf-8")


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSON-lines file, ignoring a torn last line left by a killed writer."""
    rows = []
    if not Path(path).exists():
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows
