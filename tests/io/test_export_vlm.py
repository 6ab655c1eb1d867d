"""VLM / evaluation / Hugging Face exports, read back by pyarrow and datasets."""

import argparse
import json
import shutil

import pytest

from simgen.core.errors import ConfigError
from simgen.io.export import FORMATS, ExportOptions, export, parse_formats
from simgen.io.jsonio import read_jsonl


def _qa(out):
    return [q for d in sorted((out / "scenes").iterdir()) for q in read_jsonl(d / "qa.jsonl")]


def test_parse_formats_names_allowed_and_all():
    assert parse_formats("all") == list(FORMATS)
    assert parse_formats("coco, hf,coco") == ["coco", "hf"]
    assert "procthor" in FORMATS
    with pytest.raises(ConfigError, match="allowed: llava-video, qwen-vl.*colmap.*procthor, all"):
        parse_formats("blender")


def test_cli_handlers_and_bad_input(out, tmp_path):
    from simgen.io.export.cli import add_cli

    p = argparse.ArgumentParser()
    handlers = add_cli(p.add_subparsers(dest="command"))
    assert set(handlers) == {"export", "validate", "card"}
    args = p.parse_args(["export", str(out), "--to", "nope", "--dest", str(tmp_path)])
    with pytest.raises(ConfigError, match="unknown export format 'nope'"):
        handlers["export"](args)
    args = p.parse_args(["export", str(out), "--to", "vsibench", "--dest", str(out / "x")])
    with pytest.raises(ConfigError, match="inside OUT"):
        handlers["export"](args)
    with pytest.raises(ConfigError, match="--variant degraded: scene 000000 has no degradation"):
        export(out, ["vsibench"], tmp_path / "d", ExportOptions(variant="degraded", progress=False))
    assert not (tmp_path / "d" / "vsibench").exists()
    with pytest.raises(ConfigError, match="allowed: mc_direct, mc, open"):
        export(out, ["vsibench"], tmp_path / "d", ExportOptions(answer_mode="x", progress=False))


def test_llava_qwen_llamafactory_rows_match_qa(out, tmp_path):
    qa = _qa(out)
    export(out, ["llava-video", "qwen-vl", "llamafactory"], tmp_path, ExportOptions(progress=False))
    rows = read_jsonl(tmp_path / "llava-video" / "simgen_llava_video.jsonl")
    assert len(rows) == len(qa) > 0
    for r, q in zip(rows, qa):
        assert r["id"] == f"simgen__{q['id']}"
        assert (tmp_path / "llava-video" / r["video"]).is_file()
        human, gpt = r["conversations"]
        assert human["value"].startswith("<image>\nThese are frames of a video.\n" + q["question"])
        assert gpt == {"from": "gpt", "value": q["answer"]}
    qw = json.loads((tmp_path / "qwen-vl" / "simgen_qwen_vl.json").read_text())
    assert [r["conversations"][1]["value"] for r in qw] == [q["answer"] for q in qa]
    assert all(r["conversations"][0]["value"].count("<video>") == 1 for r in qw)
    info = json.loads((tmp_path / "llamafactory" / "dataset_info.json").read_text())
    assert info["simgen"]["formatting"] == "sharegpt" and info["simgen"]["columns"]["videos"] == "videos"
    lf = json.loads((tmp_path / "llamafactory" / info["simgen"]["file_name"]).read_text())
    assert [m["messages"][1]["content"] for m in lf] == [q["answer"] for q in qa]
    assert all((tmp_path / "llamafactory" / m["videos"][0]).is_file() for m in lf)


def test_verl_parquet_schema_and_ground_truth(out, tmp_path):
    import pyarrow.parquet as pq

    from simgen.io.export.vlm import verl_schema

    export(out, ["verl"], tmp_path, ExportOptions(progress=False))
    t = pq.read_table(tmp_path / "verl" / "train.parquet")
    assert t.schema.equals(verl_schema())
    rows = t.to_pylist()
    qa = _qa(out)
    assert [r["reward_model"] for r in rows] == [{"style": "rule", "ground_truth": q["answer"]} for q in qa]
    assert {r["extra_info"]["metric"] for r in rows} <= {"exact", "mra", "iou", "iou3d", "map"}
    assert "mra" in {r["extra_info"]["metric"] for r in rows}          # numeric VSI items are scored by MRA
    assert rows[0]["prompt"][0]["role"] == "user" and rows[0]["data_source"] == f"simgen/{qa[0]['task']}"


def test_vsibench_parquet_layout_and_frame_budget(out, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # one item made unanswerable at 16 frames: --frames 16 must drop exactly that one
    src = tmp_path / "out"
    shutil.copytree(out, src)
    qa_path = src / "scenes" / "000000" / "qa.jsonl"
    items = read_jsonl(qa_path)
    items[0]["answerable"]["16"] = False
    qa_path.write_text("".join(json.dumps(i) + "\n" for i in items))
    n_all = len(_qa(out))
    export(src, ["vsibench"], tmp_path / "all", ExportOptions(progress=False))
    export(src, ["vsibench"], tmp_path / "f16", ExportOptions(frames="16", progress=False))
    t = pq.read_table(tmp_path / "all" / "vsibench" / "test-00000-of-00001.parquet")
    want = {"id": pa.int64(), "dataset": pa.string(), "scene_name": pa.string(), "question_type": pa.string(),
            "question": pa.string(), "options": pa.list_(pa.string()), "ground_truth": pa.string()}
    for name, typ in want.items():
        assert t.schema.field(name).type == typ
    rows = t.to_pylist()
    assert len(rows) == n_all and [r["id"] for r in rows] == list(range(n_all))
    for r in rows:
        assert (tmp_path / "all" / "vsibench" / r["dataset"] / f"{r['scene_name']}.mp4").is_file()
        if r["options"] is None:      # VSI-Bench NA item: the answer itself
            assert r["ground_truth"]
        else:                         # multiple choice: the letter of one option
            assert r["options"][ord(r["ground_truth"]) - 65].startswith(r["ground_truth"] + ". ")
    t16 = pq.read_table(tmp_path / "f16" / "vsibench" / "test-00000-of-00001.parquet").to_pylist()
    assert len(t16) == n_all - 1
    assert items[0]["id"] not in {r["simgen_qa_id"] for r in t16}


def test_answer_modes_mc_and_open(out, tmp_path):
    import pyarrow.parquet as pq

    export(out, ["vsibench"], tmp_path / "mc", ExportOptions(answer_mode="mc", progress=False))
    rows = pq.read_table(tmp_path / "mc" / "vsibench" / "test-00000-of-00001.parquet").to_pylist()
    qa = {q["id"]: q for q in _qa(out)}
    assert rows
    for r in rows:
        item = qa[r["simgen_qa_id"]]
        letter = r["ground_truth"]
        if item.get("options"):
            assert len(r["options"]) == len(item["options"])
            continue
        assert len(r["options"]) == 4 and len(set(r["options"])) == 4
        assert r["options"][ord(letter) - 65] == f"{letter}. {item['answer']}"
        if item["task"] == "object_counting":
            assert all(int(o[3:]) > 0 for o in r["options"])      # counts are never 0 or negative
    export(out, ["vsibench"], tmp_path / "mc2", ExportOptions(answer_mode="mc", progress=False))
    assert (tmp_path / "mc" / "vsibench" / "test-00000-of-00001.parquet").read_bytes() == \
        (tmp_path / "mc2" / "vsibench" / "test-00000-of-00001.parquet").read_bytes()


def test_render_item_existing_options_and_modes():
    from simgen.io.export.qa_text import prompt_text, render_item

    item = {"id": "x-1", "question": "Which is closest to the bed?", "options": ["A. chair", "B. lamp", "C. desk"],
            "answer": "B", "answer_value": "lamp"}
    r = render_item(item, "mc_direct")
    assert r["ground_truth"] == "B" and r["options"][1] == "B. lamp"
    assert prompt_text(r, "<video>").endswith("C. desk\nAnswer with the option's letter from the given choices directly.")
    assert render_item(item, "open")["ground_truth"] == "lamp"
    plain = dict(item, options=["chair", "lamp", "desk"], answer="lamp")
    assert render_item(plain, "mc")["ground_truth"] == "B"
    num = {"id": "x-2", "question": "How far?", "options": None, "answer": "2.4", "answer_value": 2.4}
    r = render_item(num, "mc")
    assert r["options"][ord(r["ground_truth"]) - 65].endswith("2.4")
    assert all(len(o.split(". ")[1].split(".")[1]) == 1 for o in r["options"])   # one decimal like the answer


def test_hf_parquet_loads_with_datasets(out, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    export(out, ["hf"], tmp_path, ExportOptions(progress=False))
    qa = _qa(out)
    ds = datasets.load_dataset(str(tmp_path / "hf"), "qa", split="train", cache_dir=str(tmp_path / "cache"))
    assert ds.num_rows == len(qa)
    def num(v):
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    assert ds["answer"] == [q["answer"] for q in qa] and ds["answer_value"] == [num(q["answer_value"]) for q in qa]
    assert all((tmp_path / "hf" / v).is_file() for v in ds["video"])
    sc = datasets.load_dataset(str(tmp_path / "hf"), "scenes", split="train", cache_dir=str(tmp_path / "cache"))
    cam = json.loads((out / "scenes" / "000001" / "camera.json").read_text())
    row = sc[1]
    assert row["scene_id"] == "000001" and row["K"] == cam["K"]
    assert row["cam_to_world"][3] == cam["frames"][3]["cam_to_world"]
