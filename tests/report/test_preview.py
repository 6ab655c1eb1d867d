"""`simgen preview` on scenes rendered by the real CLI (tests/report/conftest.py): the one-frame panel,
the sheet, the GIF and the command's input checks."""

import argparse
import json

import numpy as np
import pytest
from PIL import Image

from simgen.core.errors import ConfigError
from simgen.preview import add_cli, frame_column, frame_panel, preview_gif, preview_sheet
from simgen.report.draw import box_colour, depth_colours, id_colours
from simgen.report.scene_dir import SceneDir

pytestmark = pytest.mark.slow      # the shared fixture renders two small scenes (about 30-60 s)


def _cli(argv):
    p = argparse.ArgumentParser()
    handlers = add_cli(p.add_subparsers(dest="command"))
    args = p.parse_args(argv)
    return handlers[args.command](args)


def test_frame_panel_is_rgb_depth_ids(clean_scene):
    sd = SceneDir.open(clean_scene)
    panel = frame_panel(clean_scene, 3)
    w = sd.width
    assert panel.shape == (sd.height, 3 * w, 3)
    assert (panel[:, :w] == sd.rgb(3)).all()
    assert (panel[:, w:2 * w] == depth_colours(sd.depth_mm(3))).all()
    assert (panel[:, 2 * w:] == id_colours(sd.instance(3))).all()
    with pytest.raises(ConfigError, match="--frame must be in 0..7"):
        frame_panel(clean_scene, 8)


def test_frame_column_rows_and_boxes(clean_scene, degraded_scene):
    for scene, n_tiles in ((clean_scene, 3), (degraded_scene, 4)):      # + clean RGB when rgb_clean.mp4 exists
        sd = SceneDir.open(scene)
        tile_h = round(sd.height * 200 / sd.width)
        # pick the frame whose largest box is largest
        best = max(range(sd.n_frames), key=lambda i: max([o["visible_px"] for o in sd.frame_objects(i)] + [0]))
        col = np.asarray(frame_column(sd, best, 200))
        assert col.shape == (n_tiles * tile_h + 2 * (n_tiles - 1), 200, 3)
        o = max(sd.frame_objects(best), key=lambda o: o["visible_px"])
        s = 200 / sd.width
        x0, y0, x1, y1 = o["bbox_visible_xyxy"]
        ys = np.arange(int(y0 * s) + 2, int(y1 * s) - 2)
        left = col[ys, int(round(x0 * s))]                              # the box's left edge
        assert (left == np.array(box_colour(o["id"]))).all(axis=1).mean() > 0.5


def test_sheet_shows_every_row_and_the_map(degraded_scene):
    sd = SceneDir.open(degraded_scene)
    sheet = np.asarray(preview_sheet(degraded_scene, n_frames=4, tile_px=120, map_px=260))
    tile_h = round(sd.height * 120 / sd.width)
    assert sheet.shape[1] > 260 + 4 * 120                                # map + 4 columns side by side
    assert sheet.shape[0] > 4 * tile_h                                   # 4 rows: degraded, clean, depth, ids
    # the camera path's first colour (pure-ish blue) and the entrance red are on the map
    left = sheet[:, :260].reshape(-1, 3).astype(int)
    assert ((left[:, 2] > 200) & (left[:, 0] < 60)).any()
    assert ((left[:, 0] > 200) & (left[:, 1] < 60) & (left[:, 2] < 60)).any()


def test_gif_has_one_frame_per_video_frame(degraded_scene, tmp_path):
    sd = SceneDir.open(degraded_scene)
    out = preview_gif(degraded_scene, tmp_path / "a.gif", max_frames=48, tile_px=96, map_px=160)
    t = [f["timestamp_s"] for f in sd.camera["frames"]]
    step_ms = min(1000, max(40, round(1000 * (t[-1] - t[0]) / (len(t) - 1))))

    def durations(path):            # Pillow merges identical consecutive frames and adds their durations
        with Image.open(path) as im:
            return [(im.seek(k), im.info["duration"])[1] for k in range(im.n_frames)]
    d = durations(out)
    assert 2 <= len(d) <= sd.n_frames and sum(d) == pytest.approx(sd.n_frames * step_ms, abs=2 * len(d))
    out = preview_gif(degraded_scene, tmp_path / "b.gif", max_frames=3, tile_px=96, map_px=160)
    d = durations(out)
    assert len(d) <= 3 and sum(d) == pytest.approx(3 * min(1000, max(40, round(1000 * (t[-1] - t[0]) / 2))), abs=6)


def test_cli_writes_sheet_and_refuses_scene_dir(clean_scene, tmp_path, monkeypatch):
    assert _cli(["preview", str(clean_scene), "--out", str(tmp_path / "s.png"), "--frames", "3"]) == 0
    assert Image.open(tmp_path / "s.png").size[0] > 400
    assert _cli(["preview", str(clean_scene), "--frame", "2", "--out", str(tmp_path / "f.png")]) == 0
    assert Image.open(tmp_path / "f.png").size == (3 * 128, 96)
    monkeypatch.chdir(tmp_path)
    assert _cli(["preview", str(clean_scene), "--gif", "--gif-frames", "2", "--tile-px", "96"]) == 0
    assert (tmp_path / "000000_preview.gif").is_file()                   # default name, in the cwd
    before = sorted(p.name for p in clean_scene.iterdir())
    with pytest.raises(ConfigError, match="inside the scene directory"):
        _cli(["preview", str(clean_scene), "--out", str(clean_scene / "p.png")])
    with pytest.raises(ConfigError, match="exclude each other"):
        _cli(["preview", str(clean_scene), "--gif", "--frame", "1", "--out", str(tmp_path / "x.gif")])
    with pytest.raises(ConfigError, match="--frames must be in 1..32"):
        _cli(["preview", str(clean_scene), "--frames", "0", "--out", str(tmp_path / "x.png")])
    with pytest.raises(ConfigError, match="not a simgen scene directory"):
        _cli(["preview", str(tmp_path), "--out", str(tmp_path / "x.png")])
    assert sorted(p.name for p in clean_scene.iterdir()) == before       # nothing written into the scene
    assert json.loads((clean_scene / "camera.json").read_text())["width"] == 128
