"""QA statistics over rendered datasets: items per scene by task, rejection reasons, answer balance
and a text-only ("blind") baseline against chance.

    simgen qa-stats OUT [OUT ...] [--json FILE]        (or python -m simgen.annotate.qa_stats OUT ...)

QA is rebuilt from each scene's scene.json / camera.json / frames.jsonl with stage_rng(seed, "qa")
(so the figures follow the current engine, not the qa.jsonl written at render time), and every item's
program is verified. The blind baseline never sees the video: per task it answers one constant —
the most common answer text or option letter (choices, exact numbers) or the constant with the best
mean MRA (numbers). It is scored in-sample (fitted on the items it is scored on: an upper bound) and
cross-fitted (fitted on the other half of the scenes, split by scene index parity).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from simgen.annotate.context import SceneView
from simgen.annotate.metrics import mean_relative_accuracy
from simgen.annotate.programs import check_view
from simgen.annotate.qa import TASK_ORDER, build_qa_report
from simgen.annotate.qa_items import answer_universe, value_bin
from simgen.core.errors import ConfigError
from simgen.core.rng import stage_rng

# balance targets (docs/qa.md): a blind constant answer beats chance by at most 0.10 on a choice task,
# and no half-octave bin of a numeric answer holds more than half of a task's items
MAX_BLIND_GAIN = 0.10
MAX_BIN_SHARE = 0.5


def scene_dirs(out_dirs) -> list[Path]:
    """Finished scene directories (with scene.json) of one or more simgen output directories."""
    dirs = []
    for out in out_dirs:
        root = Path(out) / "scenes"
        if not root.is_dir():
            raise ConfigError(f"{out}: not a simgen output directory (no scenes/ inside)")
        dirs += [d for d in sorted(root.iterdir()) if not d.name.startswith(".") and (d / "scene.json").is_file()]
    return dirs


def collect(out_dirs) -> dict:
    """Rebuild and verify the QA of every scene. Returns {"n_scenes", "n_failed_programs", "per_task":
    {task: [kept per scene]}, "rejected": {task: Counter}, "items": {task: [items with "_fold"]}}."""
    per_task, rejected, items_by_task = defaultdict(list), defaultdict(Counter), defaultdict(list)
    n_scenes, n_bad = 0, 0
    for k, d in enumerate(scene_dirs(out_dirs)):
        scene = json.loads((d / "scene.json").read_text())
        camera = json.loads((d / "camera.json").read_text())
        frames = [json.loads(x) for x in (d / "frames.jsonl").read_text().splitlines() if x.strip()]
        items, rep = build_qa_report(scene, camera, frames, stage_rng(int(scene["seed"]), "qa"))
        view = SceneView(scene, camera, frames)
        n_bad += sum(not check_view(it, view)[0] for it in items)
        n_scenes += 1
        for t, n in rep["kept"].items():
            per_task[t].append(n)
        for t, c in rep["rejected"].items():
            rejected[t].update(c)
        for it in items:
            items_by_task[it["task"]].append(dict(it, _fold=k % 2))
    return {"n_scenes": n_scenes, "n_failed_programs": n_bad, "per_task": dict(per_task),
            "rejected": dict(rejected), "items": dict(items_by_task)}


def _key(item: dict, by: str) -> str:
    return item["answer"] if by == "letter" else json.dumps(item["answer_value"], sort_keys=True)


def _constant_score(fit: list[dict], test: list[dict]) -> float:
    """Score on `test` of the best constant answer fitted on `fit` (see the module docstring)."""
    if not fit or not test:
        return float("nan")
    if fit[0]["options"] or fit[0]["metric"] == "exact":
        best = 0.0
        for by in (("text", "letter") if fit[0]["options"] else ("text",)):
            guess = Counter(_key(i, by) for i in fit).most_common(1)[0][0]
            best = max(best, float(np.mean([_key(i, by) == guess for i in test])))
        return best
    values = np.array([float(i["answer_value"]) for i in fit])
    cands = np.unique(np.r_[values, np.quantile(values, np.linspace(0, 1, 41))])
    fit_mra = [np.mean([mean_relative_accuracy(c, v) for v in values]) for c in cands]
    guess = float(cands[int(np.argmax(fit_mra))])
    return float(np.mean([mean_relative_accuracy(guess, float(i["answer_value"])) for i in test]))


def blind_baseline(items: list[dict]) -> dict | None:
    """{"metric", "in_sample", "cross_fit", "chance"} of the blind constant answer on one task's items;
    None for answers no constant can score (boxes, maps)."""
    if not items:
        return None
    it = items[0]
    if not (it["options"] or it["metric"] in ("exact", "mra")) or isinstance(it["answer_value"], (list, dict)):
        return None
    metric = "mra" if (not it["options"] and it["metric"] == "mra") else "acc"
    folds = [[i for i in items if i["_fold"] == f] for f in (0, 1)]
    cross = [(_constant_score(folds[1 - f], folds[f]), len(folds[f])) for f in (0, 1) if folds[f] and folds[1 - f]]
    chance = float(np.mean([1 / len(i["options"]) for i in items])) if it["options"] else float("nan")
    return {"metric": metric, "in_sample": _constant_score(items, items),
            "cross_fit": (sum(s * n for s, n in cross) / sum(n for _, n in cross)) if cross else float("nan"),
            "chance": chance}


def balance_figures(items: list[dict]) -> dict:
    """Answer balance of one task: top answer class and its share, option-letter shares, and for
    numbers the top half-octave bin and its share."""
    if not items:
        return {}
    out = {"n_items": len(items)}
    if items[0]["options"]:
        c = Counter(str(i["answer_value"]) for i in items)
        top, n = c.most_common(1)[0]
        out.update(top_answer=top, top_answer_share=n / len(items))
        universe = answer_universe(items)
        if all(len(i["options"]) == len(items[0]["options"]) for i in items) and len(universe) <= 8:
            out["answer_shares"] = {k: c.get(k, 0) / len(items) for k in sorted(universe)}
        lt = Counter(i["answer"] for i in items)
        out["letter_shares"] = {k: v / len(items) for k, v in sorted(lt.items())}
    elif isinstance(items[0]["answer_value"], (int, float)):
        c = Counter(value_bin(i) for i in items)
        top, n = c.most_common(1)[0]
        vals = [float(i["answer_value"]) for i in items]
        out.update(top_bin=f"[{2 ** (int(top) / 2):.3g}, {2 ** ((int(top) + 1) / 2):.3g})",
                   top_bin_share=n / len(items),
                   answer_min=min(vals), answer_median=float(np.median(vals)), answer_max=max(vals))
        if items[0]["metric"] == "exact" or items[0]["task"] == "object_counting":
            cv = Counter(json.dumps(i["answer_value"]) for i in items)
            out["answer_shares"] = {k: v / len(items) for k, v in sorted(cv.items(), key=lambda kv: float(kv[0]))}
    return out


def summary(stats: dict) -> dict:
    """JSON-able per-task figures: items per scene, balance, blind baseline, and whether the balance
    target is met (None where it does not apply)."""
    tasks = {}
    for t in TASK_ORDER:
        ks = stats["per_task"].get(t, [])
        items = stats["items"].get(t, [])
        bal, base = balance_figures(items), blind_baseline(items)
        ok = None
        if base is not None and base["metric"] == "acc" and items[0]["options"]:
            ok = bool(base["in_sample"] - base["chance"] <= MAX_BLIND_GAIN)
        elif "top_bin_share" in bal and items[0]["metric"] == "mra":
            ok = bool(bal["top_bin_share"] <= MAX_BIN_SHARE)
        if base is not None:    # strict JSON: no NaN
            base = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in base.items()}
        tasks[t] = {"items_per_scene": float(np.mean(ks)) if ks else 0.0,
                    "scenes_with_items": float(np.mean([k > 0 for k in ks])) if ks else 0.0,
                    "balance": bal, "blind": base, "balance_ok": ok,
                    "rejected": dict(stats["rejected"].get(t, Counter()).most_common())}
    return {"n_scenes": stats["n_scenes"], "n_failed_programs": stats["n_failed_programs"],
            "targets": {"max_blind_gain_over_chance": MAX_BLIND_GAIN, "max_numeric_bin_share": MAX_BIN_SHARE},
            "tasks": tasks}


def _f(x, fmt=".2f") -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, fmt)


def markdown(summ: dict) -> str:
    lines = [f"scenes: {summ['n_scenes']}, programs failing verification: {summ['n_failed_programs']}", "",
             "| task | items | items/scene | scenes with items | top answer (share) | letter shares | "
             "blind in-sample | blind cross-fit | chance | balance ok |", "|---|---|---|---|---|---|---|---|---|---|"]
    for t, r in summ["tasks"].items():
        b, base = r["balance"], r["blind"] or {}
        top = ""
        if "top_answer" in b:
            top = f"{b['top_answer'][:40]} ({b['top_answer_share']:.2f})"
        elif "top_bin" in b:
            top = f"bin {b['top_bin']} ({b['top_bin_share']:.2f})"
        lts = " ".join(f"{k}:{v:.2f}" for k, v in b.get("letter_shares", {}).items())
        metric = f" ({base['metric']})" if base else ""
        ok = {None: "", True: "yes", False: "**no**"}[r["balance_ok"]]
        lines.append(f"| {t} | {b.get('n_items', 0)} | {r['items_per_scene']:.2f} | {r['scenes_with_items']:.2f} | "
                     f"{top} | {lts} | "
                     f"{_f(base.get('in_sample'))}{metric if base else ''} | {_f(base.get('cross_fit'))} | "
                     f"{_f(base.get('chance'))} | {ok} |")
    lines += ["", "| task | rejection reasons (count) |", "|---|---|"]
    for t, r in summ["tasks"].items():
        if r["rejected"]:
            lines.append(f"| {t} | " + ", ".join(f"{k}: {v}" for k, v in r["rejected"].items()) + " |")
    return "\n".join(lines)


def qa_stats(out_dirs) -> dict:
    """The summary (see `summary`) of one or more output directories."""
    return summary(collect(out_dirs))


def add_cli(sub) -> dict:
    p = sub.add_parser("qa-stats", help="QA items per task, answer balance and blind baseline over datasets")
    p.add_argument("out", nargs="+", type=Path, help="simgen output directories (with scenes/)")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON to this file")
    return {"qa-stats": run}


def run(args) -> int:
    summ = qa_stats(args.out)
    if args.json is not None:
        args.json.write_text(json.dumps(summ, indent=1, sort_keys=True, allow_nan=False) + "\n")
    sys.stdout.write(markdown(summ) + "\n")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m simgen.annotate.qa_stats")
    handlers = add_cli(p.add_subparsers(dest="cmd", required=True))
    args = p.parse_args(["qa-stats", *(sys.argv[1:] if argv is None else argv)])
    return handlers[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
