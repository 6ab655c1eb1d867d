"""simgen card: statistics equal to counts taken directly from the files; only two files added to OUT."""

import json
import shutil
from collections import Counter


from simgen.io.card import dataset_stats, write_card
from simgen.io.jsonio import read_jsonl


def test_card_statistics_and_files(out, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(out, root)
    before = {p.relative_to(root) for p in root.rglob("*")}
    paths = write_card(root)
    after = {p.relative_to(root) for p in root.rglob("*")}
    assert after - before == {p.relative_to(root) for p in paths} == {root.joinpath("README.md").relative_to(root),
                                                                      root.joinpath("dataset_card.json").relative_to(root)}
    stats = json.loads((root / "dataset_card.json").read_text())
    assert stats == json.loads(json.dumps(dataset_stats(root)))
    cats, tasks, answers, n_frames = Counter(), Counter(), Counter(), 0
    for d in sorted((root / "scenes").iterdir()):
        scene = json.loads((d / "scene.json").read_text())
        cats.update(o["category"] for o in scene["objects"] if o["kind"] == "object")
        n_frames += len(read_jsonl(d / "frames.jsonl"))
        for q in read_jsonl(d / "qa.jsonl"):
            tasks[q["task"]] += 1
            answers[(q["task"], q["answer"])] += 1
    assert stats["scenes"] == 2 and stats["frames"] == n_frames
    assert stats["objects_per_category"] == dict(cats) and stats["objects"] == sum(cats.values())
    assert stats["qa_per_task"] == dict(tasks)
    assert {(t, a): n for t, c in stats["answer_balance"].items() for a, n in c.items()} == dict(answers)
    assert stats["degradations"] == {"clean": 2}
    assert stats["assets"]["licence"]["user_meshes"] == {}
    md = (root / "README.md").read_text()
    assert md.startswith("---\nlicense: mit\n")
    top_cat, top_n = cats.most_common(1)[0]
    assert f"| {top_cat} | {top_n} |" in md and f"| frames | {n_frames} |" in md
