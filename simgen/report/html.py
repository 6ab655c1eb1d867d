"""`simgen report OUT [OUT ...] [--out FILE.html]`: one self-contained HTML page about a dataset.

The page has no external resources at all: charts are inline SVG, pictures are JPEG data URIs, the
scene filter is a few lines of inline JavaScript. Sections: summary, statistics (scenes by preset,
objects per scene and by category, floor occupancy, coverage and why objects were missed, QA by task
and answer balance, degradation levels and quality, timings from manifest timings_s), failures, and a
filterable list of scenes, each with its preview sheet and a sample of QA items with evidence frames.
"""

from __future__ import annotations

import base64
import io
import logging
from html import escape
from pathlib import Path

from simgen.core.errors import ConfigError
from simgen.report import svg
from simgen.report.scene_dir import SceneDir, spread_indices
from simgen.report.stats import STAGES, dataset_stats

log = logging.getLogger(__name__)

CSS = """
body{font-family:sans-serif;margin:0;background:#f6f6f4;color:#222}
header{background:#263238;color:#fff;padding:14px 22px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cfd8dc;font-size:13px}main{padding:10px 22px}
h2{border-bottom:2px solid #ccc;padding-bottom:3px;margin-top:26px}
.charts,.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}
.summary td,.summary th,table.plain td,table.plain th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee;font-size:13px}
.filters{position:sticky;top:0;background:#f6f6f4;padding:8px 0;z-index:2;display:flex;gap:10px;align-items:center}
.filters input{width:340px;padding:5px;font-size:14px}.filters select{padding:5px;font-size:14px}
.scene{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}
.scene[hidden]{display:none}.scene h3{margin:2px 0 6px;font-size:16px}.meta{font-size:13px;color:#555}
.sheet{max-width:100%;height:auto;border:1px solid #eee;margin-top:6px}
.qa{display:flex;flex-wrap:wrap;gap:10px;margin-top:8px}.qaitem{width:260px;font-size:12px;border:1px solid #eee;padding:6px}
.qaitem img{width:100%;height:auto}.qaitem code{font-size:10px;color:#666;word-break:break-all}
.tag{display:inline-block;background:#e3eaf2;border-radius:3px;padding:0 5px;margin-right:4px;font-size:11px}
"""

JS = """
(function () {
  var q = document.getElementById('scene-filter');
  var p = document.getElementById('preset-filter');
  var c = document.getElementById('scene-count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('.scene'));
  function apply() {
    var words = q.value.toLowerCase().split(/\\s+/).filter(function (w) { return w.length > 0; });
    var preset = p.value, shown = 0;
    rows.forEach(function (r) {
      var text = r.getAttribute('data-search');
      var ok = (!preset || r.getAttribute('data-preset') === preset) &&
               words.every(function (w) { return text.indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    c.textContent = shown + ' of ' + rows.length + ' scenes shown';
  }
  q.addEventListener('input', apply);
  p.addEventListener('change', apply);
  apply();
})();
"""


def jpeg_data_uri(im, max_width: int | None = None, quality: int = 72) -> str:
    """A PIL image as a `data:image/jpeg;base64,...` URI (downscaled to `max_width` when wider)."""
    from PIL import Image

    im = im.convert("RGB")
    if max_width and im.width > max_width:
        im = im.resize((max_width, round(im.height * max_width / im.width)), Image.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pick_qa(items: list[dict], k: int) -> list[dict]:
    """Up to k QA items of distinct tasks spread over the file's task order (deterministic, no randomness);
    items that have evidence frames are preferred."""
    first: dict[str, dict] = {}
    for q in items:
        t = q["task"]
        if t not in first or (not first[t].get("evidence_frames") and q.get("evidence_frames")):
            first[t] = q
    tasks = list(first)
    return [first[tasks[i]] for i in spread_indices(len(tasks), k)]


def evidence_frame(sd: SceneDir, item: dict) -> int | None:
    """The evidence frame of a QA item that shows most of its objects (None when it has none)."""
    frames = [f for f in item.get("evidence_frames", []) if 0 <= f < sd.n_frames]
    if not frames:
        return None
    want = set(item.get("objects") or [])

    def seen(f):
        return len(want & {o["id"] for o in sd.frame_objects(f)})
    return max(frames, key=lambda f: (seen(f), -frames.index(f)))


def qa_card(sd: SceneDir, item: dict, width_px: int = 260) -> str:
    """HTML of one QA item: task, question, options, answer, program, evidence frame with its objects boxed."""
    from simgen.report.draw import draw_boxes

    img = ""
    f = evidence_frame(sd, item)
    if f is not None:
        names = {i: o["name"] for i, o in sd.objects().items()}
        im = draw_boxes(sd.rgb(f), sd.frame_objects(f), names, width_px, highlight=set(item.get("objects") or []))
        img = f'<img alt="evidence frame {f}" src="{jpeg_data_uri(im, quality=75)}"><br>evidence frame {f}<br>'
    opts = "".join(f"<li>{escape(str(o))}</li>" for o in item.get("options") or [])
    return (f'<div class="qaitem">{img}<span class="tag">{escape(item.get("family", ""))}</span>'
            f'<span class="tag">{escape(item["task"])}</span><p>{escape(item["question"])}</p>'
            + (f"<ol type='A' style='margin:0;padding-left:18px;list-style:none'>{opts}</ol>" if opts else "")
            + f'<p><b>answer: {escape(str(item.get("answer")))}</b></p>'
            + f'<code>{escape(str(item.get("program", "")))}</code></div>')


def _charts(st: dict) -> list[str]:
    c = []
    c.append(svg.bar_chart(list(st["by_preset"].items()), "scenes by preset"))
    c.append(svg.histogram(st["objects_per_scene"], "objects per scene", bins=10, lo=0, xlabel="objects"))
    cats = list(st["objects_by_category"].items())
    shown = cats[:30]
    if len(cats) > 30:
        shown.append((f"{len(cats) - 30} more categories", sum(v for _, v in cats[30:])))
    c.append(svg.bar_chart(shown, f"objects by category ({len(cats)} categories)", colour=svg.PALETTE[2]))
    c.append(svg.bar_chart(list(st["objects_by_placement"].items()), "objects by placement", colour=svg.PALETTE[5]))
    occ = st["occupancy"]
    hi = max([max(v) for v in occ.values() if v] + [0.1])
    c.append(svg.histogram(occ, "floor occupancy per room (footprints / free floor)", bins=12, lo=0,
                           hi=min(1.0, hi * 1.05), xlabel="occupancy"))
    c.append(svg.histogram(st["coverage"], "coverage per scene (fraction of objects covered)", bins=10, lo=0, hi=1,
                           xlabel="coverage"))
    reasons = list(st["uncovered_reasons"].items())
    c.append(svg.bar_chart(reasons, "uncovered objects by reason", colour=svg.PALETTE[3]) if reasons
             else svg.empty_chart("uncovered objects by reason", note="every object covered"))
    c.append(svg.bar_chart(list(st["qa_by_task"].items()), f'QA items by task ({st["n_qa"]} items)',
                           colour=svg.PALETTE[4]))
    letters = st["qa_answer_letters"]
    keys = sorted({k for d in letters.values() for k in d})
    c.append(svg.stacked_bars(sorted(letters.items()), keys, "answer balance of choice items (share of A, B, ...)",
                              normalise=True, width=460) if letters else svg.empty_chart("answer balance"))
    c.append(svg.bar_chart(list(st["degradation_levels"].items()), "scenes by degradation effect:level",
                           colour=svg.PALETTE[1]))
    if st["psnr_db"]:
        c.append(svg.histogram({"PSNR": st["psnr_db"]}, "degraded vs clean, mean PSNR per scene", bins=10, xlabel="dB"))
    med = st["timing_medians_s"]
    if med:
        order = [s for s in STAGES if s in med] + [s for s in med if s not in STAGES]
        c.append(svg.bar_chart([(s, round(med[s], 3)) for s in order], "median seconds per stage (manifest timings_s)",
                               colour=svg.PALETTE[7], unit=" s"))
        c.append(svg.histogram({k: v for k, v in st["scene_time_s"].items() if v}, "seconds per scene", bins=10,
                               lo=0, xlabel="s"))
    else:
        c.append(svg.empty_chart("timings", note="no timings_s in the manifest (recovered lines have none)"))
    return c


def _summary_table(st: dict) -> str:
    rows = [("output directories", ", ".join(st["outs"])), ("scenes", st["n_scenes"]),
            ("failed scenes", st["n_failed"]),
            ("objects", sum(st["objects_by_category"].values())), ("categories", len(st["objects_by_category"])),
            ("QA items", st["n_qa"]), ("QA tasks", len(st["qa_by_task"]))]
    tops = sorted(st["qa_top_answer_share"].items(), key=lambda kv: -kv[1]["share"])
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    top = "".join(f'<tr><td>{escape(t)}</td><td>{v["n"]}</td><td>{v["distinct"]}</td>'
                  f'<td>{escape(v["answer"][:40])}</td>'
                  f'<td>{100 * v["share"]:.0f}%</td></tr>' for t, v in tops)
    return (f'<div class="row"><table class="summary card">{body}</table><details class="card"><summary>'
            f'most common answer per task (answer balance of every task)</summary>'
            f'<table class="plain"><tr><th>task</th><th>items</th><th>distinct answers</th><th>most common</th>'
            f'<th>share</th></tr>{top}</table></details></div>')


def _scene_section(row: dict, sheet_uri: str | None, qa_html: str) -> str:
    search = " ".join([row["key"], row["scene_id"], row["preset"], row["out"], " ".join(row["room_types"]),
                       " ".join(row["categories"]), row["degrade"] or "clean"]).lower()
    cov = "?" if row["coverage"] is None else f'{100 * row["coverage"]:.0f}%'
    t = "" if row["time_s"] is None else f', {row["time_s"]:.1f} s'
    meta = (f'{escape(row["preset"])} | {row["n_rooms"]} room(s): {escape(", ".join(row["room_types"]))} | '
            f'{row["n_objects"]} objects, {row["n_categories"]} categories | coverage {cov} | {row["n_frames"]} frames '
            f'{row["size"]} | {row["n_qa"]} QA | {escape(row["degrade"] or "clean")}{t}')
    img = (f'<details open><summary>preview sheet</summary><img class="sheet" alt="preview of '
           f'{escape(row["key"])}" src="{sheet_uri}"></details>') if sheet_uri else ""
    return (f'<section class="scene" data-search="{escape(search)}" data-preset="{escape(row["preset"])}" '
            f'id="scene-{escape(row["key"].replace("/", "-"))}"><h3>{escape(row["key"])}</h3>'
            f'<div class="meta">{meta}<br><span class="meta">{escape(row["path"])}</span></div>{img}'
            + (f'<details><summary>QA sample</summary><div class="qa">{qa_html}</div></details>' if qa_html else "")
            + "</section>")


def build_report(outs: list[Path], out_html: Path, max_scenes: int = 200, qa_per_scene: int = 4,
                 sheet_width_px: int = 1200, title: str | None = None) -> dict:
    """Write the report page; returns {"path", "bytes", "n_scenes", "n_with_sheets"}."""
    from simgen.preview import preview_sheet

    if max_scenes < 0 or qa_per_scene < 0:
        raise ConfigError("--max-scenes and --qa-per-scene must be >= 0")
    st = dataset_stats(outs)
    sections = []
    n_sheets = 0
    for k, row in enumerate(st["scenes"]):
        sheet, qa_html = None, ""
        if k < max_scenes:
            sd = SceneDir.open(row["path"])
            try:
                sheet = jpeg_data_uri(preview_sheet(sd, n_frames=6, tile_px=150, map_px=300), sheet_width_px)
                qa_html = "".join(qa_card(sd, q) for q in pick_qa(sd.qa, qa_per_scene))
                n_sheets += 1
            except ConfigError as e:          # a scene without video or frames: list it without pictures
                log.warning("%s: no preview (%s)", row["key"], e)
            sd._video.clear()
        sections.append(_scene_section(row, sheet, qa_html))
    presets = "".join(f'<option value="{escape(p)}">{escape(p)}</option>' for p in st["by_preset"])
    fails = "".join(f'<tr><td>{escape(str(f.get("out")))}</td><td>{escape(str(f.get("scene_id")))}</td>'
                    f'<td>{escape(str(f.get("stage")))}</td><td>{escape(str(f.get("reason")))[:300]}</td></tr>'
                    for f in st["failures"])
    fails_table = ('<table class="plain card"><tr><th>out</th><th>scene</th><th>stage</th><th>reason</th></tr>'
                   f"{fails}</table>") if fails else "<p>none</p>"
    title = title or f'simgen dataset report: {", ".join(st["labels"])}'
    more = (f"<p>{st['n_scenes'] - n_sheets} scene(s) are listed without pictures (--max-scenes {max_scenes}).</p>"
            if st["n_scenes"] > n_sheets else "")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body><header><h1>{escape(title)}</h1><p>{st['n_scenes']} scenes, {st['n_qa']} QA items, {st['n_failed']} failed.
Made by <code>simgen report</code>; self-contained (no network).</p></header><main>
<h2>Summary</h2>{_summary_table(st)}
<h2>Statistics</h2><div class="charts">{"".join(f'<div class="card">{c}</div>' for c in _charts(st))}</div>
<h2>Failures</h2>{fails_table}
<h2>Scenes</h2>
<div class="filters"><input id="scene-filter" type="search"
 placeholder="filter: id, preset, room type, category, degradation" aria-label="filter scenes">
<select id="preset-filter" aria-label="preset"><option value="">all presets</option>{presets}</select>
<span id="scene-count"></span></div>{more}
<div id="scenes">{"".join(sections)}</div>
</main><script>{JS}</script></body></html>
"""
    out_html = Path(out_html)
    out_html.write_text(page, encoding="utf-8")
    return {"path": str(out_html), "bytes": out_html.stat().st_size, "n_scenes": st["n_scenes"],
            "n_with_sheets": n_sheets}


def add_cli(sub) -> dict:
    p = sub.add_parser("report", help="one self-contained HTML page with dataset statistics, scene previews and "
                                      "QA samples")
    p.add_argument("outs", nargs="+", type=Path, metavar="OUT", help="output directories of simgen render")
    p.add_argument("--out", type=Path, default=None, help="HTML file to write (default: FIRST_OUT/report.html)")
    p.add_argument("--max-scenes", type=int, default=200,
                   help="scenes with a preview sheet and QA sample (default: 200)")
    p.add_argument("--qa-per-scene", type=int, default=4, help="QA items shown per scene (default: 4)")
    p.add_argument("--title", default=None, help="page title")
    return {"report": run}


def run(args) -> int:
    for o in args.outs:
        if not (Path(o) / "manifest.jsonl").is_file() and not (Path(o) / "scenes").is_dir():
            raise ConfigError(f"{o} is not a simgen output directory (no manifest.jsonl, no scenes/)")
    out = args.out if args.out is not None else Path(args.outs[0]) / "report.html"
    if not Path(out).parent.is_dir():
        raise ConfigError(f"--out: directory {Path(out).parent} does not exist")
    res = build_report(args.outs, out, max_scenes=args.max_scenes, qa_per_scene=args.qa_per_scene, title=args.title)
    log.info("wrote %s (%.1f MB, %d scenes)", res["path"], res["bytes"] / 1e6, res["n_scenes"])
    return 0
