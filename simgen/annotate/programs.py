"""QA programs: a tiny call language that re-derives every qa.jsonl answer from scene.json,
camera.json and frames.jsonl content, and the verifier behind `simgen validate`.

A program is one call, `op(name=value, ...)`, e.g. `abs_distance(a=7, b=12)` or
`rel_direction(pos=3, ori=5, query=9, level="hard")`. Values are JSON-like literals: integers,
floats, "strings" (or 'strings'), true/false/True/False, null/None and [lists]. The text is parsed
here (never evaluated as Python); `op` names a function in simgen.annotate.derive.OPS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from simgen.annotate.context import SceneView
from simgen.core.errors import SimgenError

_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<str>"(?:[^"\\]|\\.)*"|'[^']*')|"""
                    r"""(?P<name>[A-Za-z_]\w*)|(?P<punct>[\[\](),=]))""")
_CONST = {"true": True, "True": True, "false": False, "False": False, "null": None, "None": None}


class ProgramError(SimgenError):
    """A program that does not parse or names an unknown operation."""


def format_program(op: str, **args) -> str:
    """`op(k=v, ...)` with JSON literals, in argument order."""
    return f"{op}(" + ", ".join(f"{k}={json.dumps(v)}" for k, v in args.items()) + ")"


def _tokens(text: str):
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ProgramError(f"cannot parse program at {text[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        yield kind, m.group(kind)


def parse_program(text: str) -> tuple[str, dict]:
    """'op(a=1, b=[2, 3], c="x")' -> ('op', {'a': 1, 'b': [2, 3], 'c': 'x'})."""
    toks = list(_tokens(text))
    if len(toks) < 3 or toks[0][0] != "name" or toks[1] != ("punct", "(") or toks[-1] != ("punct", ")"):
        raise ProgramError(f"a program is op(name=value, ...), got {text!r}")
    op, i, args = toks[0][1], 2, {}

    def value(i):
        kind, tok = toks[i]
        if kind == "num":
            return (float(tok) if any(c in tok for c in ".eE") else int(tok)), i + 1
        if kind == "str":
            return (json.loads(tok) if tok[0] == '"' else tok[1:-1]), i + 1
        if kind == "name" and tok in _CONST:
            return _CONST[tok], i + 1
        if tok == "[":
            out, i = [], i + 1
            while toks[i] != ("punct", "]"):
                x, i = value(i)
                out.append(x)
                if toks[i] == ("punct", ","):
                    i += 1
            return out, i + 1
        raise ProgramError(f"unexpected {tok!r} in {text!r}")

    while i < len(toks) - 1:
        if toks[i][0] != "name" or toks[i + 1] != ("punct", "="):
            raise ProgramError(f"expected name=value in {text!r}")
        args[toks[i][1]], i = value(i + 2)
        if toks[i] == ("punct", ","):
            i += 1
    return op, args


def run_program(text: str, view: SceneView):
    """(value, margin) of a program on a scene view."""
    from simgen.annotate.derive import OPS

    op, args = parse_program(text)
    if op not in OPS and op.startswith("dyn_"):   # dynamic scenes (docs/dynamics.md)
        from simgen.dynamics.qa_ops import OPS as DYN_OPS

        if op in DYN_OPS:
            return DYN_OPS[op](view, **args)
    if op not in OPS:
        raise ProgramError(f"unknown operation {op!r} (known: {', '.join(sorted(OPS))})")
    return OPS[op](view, **args)


def option_text(option: str) -> str:
    """'B. left' -> 'left'."""
    return re.sub(r"^[A-Z]\.\s*", "", option)


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return a == b


def check_view(item: dict, view: SceneView) -> tuple[bool, str]:
    """check_item on an already built SceneView (the verifier builds one per scene)."""
    try:
        value, margin = run_program(item["program"], view)
    except (ProgramError, KeyError, IndexError, ValueError, TypeError, StopIteration) as e:
        return False, f"{item.get('id')}: program failed: {type(e).__name__}: {e}"
    if value is None:
        return False, f"{item['id']}: program found no answer"
    if item.get("options"):
        letters = [o[:1] for o in item["options"]]
        if item["answer"] not in letters:
            return False, f"{item['id']}: answer {item['answer']!r} is not an option letter"
        chosen = option_text(item["options"][letters.index(item["answer"])])
        if chosen != str(value):
            return False, f"{item['id']}: option {item['answer']} is {chosen!r}, program gives {value!r}"
        if sum(option_text(o) == str(value) for o in item["options"]) != 1:
            return False, f"{item['id']}: the answer appears in more than one option"
    if not _same(value if not item.get("options") else str(value), item["answer_value"]):
        return False, f"{item['id']}: answer_value {item['answer_value']!r} != program {value!r}"
    if item.get("margin") is not None and margin is not None and margin < item["margin"] - 1e-3:
        return False, f"{item['id']}: margin {margin:.3f} below the stored {item['margin']}"
    return True, "ok"


def check_item(item: dict, scene: dict, camera: dict, frames: list[dict]) -> tuple[bool, str]:
    """Re-derive one qa.jsonl item's answer from scene.json / camera.json / frames.jsonl content.
    Returns (ok, message); message names the mismatch when not ok."""
    return check_view(item, SceneView(scene, camera, frames))


def verify_scene_dir(scene_dir) -> dict:
    """Run every program of a scene directory's qa.jsonl. Returns
    {"scene_id", "n_items", "n_ok", "by_task": {task: [n, n_ok]}, "failures": [message, ...]}."""
    d = Path(scene_dir)
    scene = json.loads((d / "scene.json").read_text())
    camera = json.loads((d / "camera.json").read_text())
    frames = [json.loads(x) for x in (d / "frames.jsonl").read_text().splitlines() if x.strip()]
    items = [json.loads(x) for x in (d / "qa.jsonl").read_text().splitlines() if x.strip()]
    view = SceneView(scene, camera, frames)
    out = {"scene_id": scene.get("scene_id"), "n_items": len(items), "n_ok": 0, "by_task": {}, "failures": []}
    for it in items:
        ok, msg = check_view(it, view)
        t = out["by_task"].setdefault(it["task"], [0, 0])
        t[0] += 1
        if ok:
            t[1] += 1
            out["n_ok"] += 1
        else:
            out["failures"].append(msg)
    return out
