"""QA statistics over rendered scene directories: items per task, rejection reasons, answer balance,
and a text-only baseline (always the most common answer per task) against chance.

    python -m simgen.annotate.qa_stats OUT_DIR [OUT_DIR ...]

QA is rebuilt from each scene's scene.json / camera.json / frames.jsonl with stage_rng(seed, "qa"),
and every item's program is verified."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from simgen.annotate.context import SceneView
from simgen.annotate.metrics import mean_relative_accuracy
from simgen.annotate.programs import check_view
from simgen.annotate.qa import build_qa_report
from simgen.core.rng import stage_rng


def collect(out_dirs) -> dict:
    per_task, rejected, letters, answers = defaultdict(list), defaultdict(Counter), defaultdict(Counter), defaultdict(list)
    n_scenes, n_bad = 0, 0
    for out in out_dirs:
        for d in sorted((Path(out) / "scenes").iterdir()):
            if d.name.startswith(".") or not (d / "scene.json").is_file():
                continue
            scene = json.loads((d / "scene.json").read_text())
            camera = json.loads((d / "camera.json").read_text())
            frames = [json.loads(x) for x in (d / "frames.jsonl").read_text().splitlines() if x.strip()]
            items, rep = build_qa_report(scene, camera, frames, stage_rng(int(scene["seed"]), "qa"))
            view = SceneView(scene, camera, frames)
            n_bad += sum(not check_view(it, view)[0] for it in items)
            n_scenes += 1
            for t, k in rep["kept"].items():
                per_task[t].append(k)
            for t, c in rep["rejected"].items():
                rejected[t].update(c)
            for it in items:
                if it["options"]:
                    letters[it["task"]][it["answer"]] += 1
                answers[it["task"]].append(it)
    return {"n_scenes": n_scenes, "n_failed_programs": n_bad, "per_task": per_task, "rejected": rejected,
            "letters": letters, "answers": answers}


def baseline(items: list[dict]) -> tuple[str, float, float]:
    """(metric, score of the most common answer / median, chance) for one task's items."""
    if not items:
        return "-", float("nan"), float("nan")
    m = items[0]["metric"]
    if items[0]["options"]:
        common = Counter(str(i["answer_value"]) for i in items).most_common(1)[0][0]
        letter = Counter(i["answer"] for i in items).most_common(1)[0][0]
        by_text = np.mean([str(i["answer_value"]) == common for i in items])
        by_letter = np.mean([i["answer"] == letter for i in items])
        chance = np.mean([1 / len(i["options"]) for i in items])
        return "acc", float(max(by_text, by_letter)), float(chance)
    if m == "mra":
        med = float(np.median([i["answer_value"] for i in items]))
        return "mra", float(np.mean([mean_relative_accuracy(med, i["answer_value"]) for i in items])), float("nan")
    return m, float("nan"), float("nan")


def markdown(stats: dict) -> str:
    lines = [f"scenes: {stats['n_scenes']}, programs failing verification: {stats['n_failed_programs']}", "",
             "| task | items/scene | top answer share | letter shares | blind baseline | chance |",
             "|---|---|---|---|---|---|"]
    for t, ks in stats["per_task"].items():
        items = stats["answers"][t]
        share = ""
        if items and items[0]["options"]:
            c = Counter(str(i["answer_value"]) for i in items)
            share = f"{c.most_common(1)[0][1] / len(items):.2f} ({c.most_common(1)[0][0]})"
        lt = stats["letters"].get(t)
        lts = " ".join(f"{k}:{v / sum(lt.values()):.2f}" for k, v in sorted(lt.items())) if lt else ""
        metric, score, chance = baseline(items)
        lines.append(f"| {t} | {np.mean(ks):.2f} | {share} | {lts} | "
                     f"{'' if np.isnan(score) else f'{score:.2f} ({metric})'} | "
                     f"{'' if np.isnan(chance) else f'{chance:.2f}'} |")
    lines += ["", "| task | rejection reasons (count) |", "|---|---|"]
    for t, c in sorted(stats["rejected"].items()):
        lines.append(f"| {t} | " + ", ".join(f"{k}: {v}" for k, v in c.most_common()) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(markdown(collect(args)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
