"""`simgen report`: statistics equal what the files say, and the page is self-contained."""

import argparse
import base64
import io
import json
import re
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from simgen.core.errors import ConfigError
from simgen.report.html import add_cli, build_report, pick_qa
from simgen.report.stats import dataset_stats

pytestmark = pytest.mark.slow      # the shared fixture renders two small scenes


def _lines(p):
    return [json.loads(s) for s in p.read_text().splitlines() if s.strip()]


def test_stats_match_the_files(outs):
    st = dataset_stats([outs["clean"], outs["degraded"]])
    assert st["labels"] == ["clean", "degraded"] and st["n_scenes"] == 2
    assert st["by_preset"] == {"low": 2}
    qa = [q for o in outs.values() for q in _lines(o / "scenes" / "000000" / "qa.jsonl")]
    assert st["n_qa"] == len(qa) and st["qa_by_task"] == dict(Counter(q["task"] for q in qa).most_common())
    n_choice = sum(1 for q in qa if q.get("options"))
    assert sum(sum(d.values()) for d in st["qa_answer_letters"].values()) == n_choice
    manifest = [m for o in outs.values() for m in _lines(o / "manifest.jsonl")]
    assert sum(st["objects_by_category"].values()) == sum(m["n_objects"] for m in manifest)
    covs = sorted(v for vs in st["coverage"].values() for v in vs)
    assert covs == pytest.approx(sorted(m["coverage"] for m in manifest), abs=1e-6)
    assert st["timing_medians_s"]["render"] == pytest.approx(np.median([m["timings_s"]["render"] for m in manifest]))
    assert st["degradation_levels"] == {"clean": 1, "fog:3": 1, "sensor_noise:2": 1}
    deg = json.loads((outs["degraded"] / "scenes" / "000000" / "degradation.json").read_text())
    assert st["psnr_db"] == [pytest.approx(deg["quality_vs_clean"]["psnr_db"]["mean"])]
    objs = [ob for o in outs.values()
            for ob in json.loads((o / "scenes" / "000000" / "scene.json").read_text())["objects"]]
    n_unc = sum(1 for ob in objs if ob.get("kind") == "object" and ob.get("covered") is False)
    assert sum(st["uncovered_reasons"].values()) == n_unc


def test_pick_qa_distinct_tasks_deterministic(clean_scene):
    qa = _lines(clean_scene / "qa.jsonl")
    a, b = pick_qa(qa, 4), pick_qa(qa, 4)
    assert a == b and len(a) == min(4, len({q["task"] for q in qa}))
    assert len({q["task"] for q in a}) == len(a)


def test_page_is_self_contained(outs, tmp_path):
    out = tmp_path / "r.html"
    res = build_report([outs["clean"], outs["degraded"]], out)
    html = out.read_text()
    assert res["n_scenes"] == 2 and res["n_with_sheets"] == 2
    assert html.count('<section class="scene"') == 2
    # no external resource: every src/href is a data URI or a fragment; the only URL is the SVG namespace
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert refs and all(r.startswith("data:image/jpeg;base64,") or r.startswith("#") for r in refs)
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "<link" not in html and "@import" not in html and "<script src" not in html
    for uri in re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html):
        with Image.open(io.BytesIO(base64.b64decode(uri))) as im:
            assert im.format == "JPEG" and im.width >= 200
    assert "fog:3,sensor_noise:2" in html and 'id="scene-filter"' in html
    assert html.count('class="chart"') >= 10
    assert res["bytes"] < 2_000_000


def test_max_scenes_and_cli(outs, tmp_path):
    p = argparse.ArgumentParser()
    handlers = add_cli(p.add_subparsers(dest="command"))
    args = p.parse_args(["report", str(outs["clean"]), str(outs["degraded"]), "--out", str(tmp_path / "x.html"),
                         "--max-scenes", "1", "--qa-per-scene", "2"])
    assert handlers["report"](args) == 0
    html = (tmp_path / "x.html").read_text()
    assert html.count('class="sheet"') == 1 and "listed without pictures" in html
    assert html.count('class="qaitem"') == 2
    with pytest.raises(ConfigError, match="not a simgen output directory"):
        build_report([tmp_path], tmp_path / "y.html")
