"""VLM fine-tuning exports: LLaVA-Video JSONL, Qwen2.5/3-VL JSON, LLaMA-Factory ShareGPT, verl/EasyR1 parquet.

Every format writes the chosen videos to `videos/<scene_id>.mp4` inside its own directory and refers
to them by paths relative to that directory. Prompts use VSI-Bench's wording (qa_text.prompt_text).
"""

from __future__ import annotations

import json
from pathlib import Path

from simgen.io.export.base import ExportOptions, copy_videos, qa_rows
from simgen.io.export.qa_text import prompt_text
from simgen.io.export.store import SceneView, missing_extra


def _dump_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def export_llava_video(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    """root/simgen_llava_video.jsonl: {"id", "video", "data_source", "conversations": [human, gpt]}."""
    videos = copy_videos(scenes, root, "videos", opts)
    token = "<image>" if opts.media_token is None else opts.media_token
    n = 0
    with open(root / f"{opts.dataset_name}_llava_video.jsonl", "w", encoding="utf-8") as f:
        for sv, item, r in qa_rows(scenes, opts):
            row = {"id": f"{opts.dataset_name}__{item['id']}", "video": videos[sv.scene_id],
                   "data_source": opts.dataset_name,
                   "conversations": [{"from": "human", "value": prompt_text(r, token)},
                                     {"from": "gpt", "value": r["ground_truth"]}]}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return {"items": n, "videos": len(videos)}


def export_qwen_vl(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    """root/<name>_qwen_vl.json (a JSON list) for qwen-vl-finetune, and qwen_dataset.json with the
    `{"annotation_path", "data_path"}` entry to paste into its data registry."""
    videos = copy_videos(scenes, root, "videos", opts)
    token = "<video>" if opts.media_token is None else opts.media_token
    rows = [{"id": item["id"], "video": videos[sv.scene_id],
             "conversations": [{"from": "human", "value": prompt_text(r, token)},
                               {"from": "gpt", "value": r["ground_truth"]}]}
            for sv, item, r in qa_rows(scenes, opts)]
    ann = f"{opts.dataset_name}_qwen_vl.json"
    _dump_json(root / ann, rows)
    _dump_json(root / "qwen_dataset.json", {opts.dataset_name: {"annotation_path": ann, "data_path": "."}})
    return {"items": len(rows), "videos": len(videos)}


def export_llamafactory(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    """root/<name>.json (sharegpt with role/content messages and `videos`) and root/dataset_info.json."""
    videos = copy_videos(scenes, root, "videos", opts)
    token = "<video>" if opts.media_token is None else opts.media_token
    rows = [{"messages": [{"role": "user", "content": prompt_text(r, token)},
                          {"role": "assistant", "content": r["ground_truth"]}],
             "videos": [videos[sv.scene_id]], "id": item["id"]}
            for sv, item, r in qa_rows(scenes, opts)]
    name = opts.dataset_name
    _dump_json(root / f"{name}.json", rows)
    _dump_json(root / "dataset_info.json", {name: {
        "file_name": f"{name}.json", "formatting": "sharegpt",
        "columns": {"messages": "messages", "videos": "videos"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user",
                 "assistant_tag": "assistant"}}})
    return {"items": len(rows), "videos": len(videos)}


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def verl_schema():
    import pyarrow as pa

    return pa.schema([
        ("data_source", pa.string()),
        ("prompt", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
        ("videos", pa.list_(pa.string())),
        ("ability", pa.string()),
        ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
        ("extra_info", pa.struct([
            ("qa_id", pa.string()), ("scene_id", pa.string()), ("task", pa.string()),
            ("answer_type", pa.string()), ("metric", pa.string()), ("unit", pa.string()),
            ("options", pa.list_(pa.string())), ("margin", pa.float64())])),
    ])


def export_verl(scenes: list[SceneView], root: Path, opts: ExportOptions) -> dict:
    """root/train.parquet for verl / EasyR1 RL: prompt, ground truth and the reward kind per row.

    `reward_model.style` is "rule"; `extra_info.metric` says how to score (`mra` for numbers,
    `exact` for option letters and text), `answer_type` is mc | numeric | text.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise missing_extra("pyarrow", e) from None
    videos = copy_videos(scenes, root, "videos", opts)
    token = "<video>" if opts.media_token is None else opts.media_token
    rows = []
    for sv, item, r in qa_rows(scenes, opts):
        metric = "exact" if r["answer_type"] in ("mc", "text") else (item.get("metric") or "mra")
        rows.append({
            "data_source": f"{opts.dataset_name}/{item['task']}",
            "prompt": [{"role": "user", "content": prompt_text(r, token)}],
            "videos": [videos[sv.scene_id]], "ability": "spatial",
            "reward_model": {"style": "rule", "ground_truth": r["ground_truth"]},
            "extra_info": {"qa_id": item["id"], "scene_id": sv.scene_id, "task": item["task"],
                           "answer_type": r["answer_type"], "metric": metric, "unit": item.get("unit"),
                           "options": r["options"], "margin": _num(item.get("margin"))}})
    table = pa.Table.from_pylist(rows, schema=verl_schema())
    pq.write_table(table, root / "train.parquet")
    return {"items": len(rows), "videos": len(videos)}
