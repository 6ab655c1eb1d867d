"""Known-answer tests of the drawing helpers, the map framing and the SVG charts (no rendering)."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from simgen.report import svg
from simgen.report.draw import box_colour, depth_colours, draw_boxes, id_colours
from simgen.report.maps import map_transform
from simgen.report.scene_dir import spread_indices
from simgen.report.stats import answer_letter

SVG = "{http://www.w3.org/2000/svg}"


def test_spread_indices_known():
    assert spread_indices(10, 4) == [0, 3, 6, 9]
    assert spread_indices(3, 6) == [0, 1, 2]
    assert spread_indices(0, 5) == [] and spread_indices(5, 0) == []
    assert spread_indices(101, 5) == [0, 25, 50, 75, 100]


@pytest.mark.parametrize("width_px,scale", [(100, 1), (200, 2)])
def test_box_edges_land_on_the_bbox(width_px, scale):
    """A box [10, 20, 30, 40) on a black 100x80 frame: its edges are drawn at x = 10 s and x = (30 - 1) s,
    the interior stays black."""
    rgb = np.zeros((80, 100, 3), np.uint8)
    obj = {"id": 7, "visible_px": 400, "bbox_visible_xyxy": [10, 20, 30, 40]}
    im = np.asarray(draw_boxes(rgb, [obj], {7: "chair_0"}, width_px, max_labels=0))
    col = np.array(box_colour(7))
    assert im.shape == (80 * scale, 100 * scale, 3)
    assert (im[30 * scale, 10 * scale] == col).all()            # left edge
    assert (im[30 * scale, 30 * scale - 1] == col).all()        # right edge (x1 exclusive)
    assert (im[30 * scale, 20 * scale] == 0).all()              # interior untouched
    assert (im[30 * scale, 10 * scale - 2] == 0).all()          # outside untouched


def test_label_is_drawn_above_the_box_in_its_colour():
    rgb = np.zeros((80, 100, 3), np.uint8)
    obj = {"id": 3, "visible_px": 400, "bbox_visible_xyxy": [40, 40, 70, 70]}
    im = np.asarray(draw_boxes(rgb, [obj], {3: "lamp"}, 100))
    strip = im[25:40, 40:70].reshape(-1, 3)
    assert (strip == np.array(box_colour(3))).all(axis=1).mean() > 0.3   # label background


def test_highlight_greys_the_others():
    rgb = np.zeros((80, 100, 3), np.uint8)
    objs = [{"id": 1, "visible_px": 50, "bbox_visible_xyxy": [5, 5, 20, 20]},
            {"id": 2, "visible_px": 50, "bbox_visible_xyxy": [50, 50, 70, 70]}]
    im = np.asarray(draw_boxes(rgb, objs, {1: "a", 2: "b"}, 100, highlight={2}))
    assert (im[12, 5] == 170).all()                              # grey, thin
    assert (im[60, 50] == np.array(box_colour(2))).all()


def test_depth_and_id_colours():
    d = np.array([[0, 1000], [2000, 3000]], np.uint16)
    c = depth_colours(d)
    assert (c[0, 0] == 0).all()                                  # no surface -> black
    assert c[0, 1, 2] > c[0, 1, 0] and c[1, 1, 0] > c[1, 1, 2]   # near blue, far red
    ids = np.array([[0, 5], [5, 9]], np.uint16)
    ic = id_colours(ids)
    assert (ic[0, 0] == 0).all() and (ic[0, 1] == ic[1, 0]).all() and not (ic[0, 1] == ic[1, 1]).all()


def test_map_transform_matches_draw_topdown():
    """The frame markers use map_transform; it must put a room corner on draw_topdown's wall outline."""
    from simgen.scenes.topdown import draw_topdown

    scene = {"rooms": [{"id": "room_0", "type": "office", "polygon": [[0, 0], [5, 0], [5, 3], [0, 3]]}]}
    img = draw_topdown(scene, size_px=300, labels=False)
    to_px, (w, h) = map_transform(scene, 300)
    assert img.shape[:2] == (h, w)
    for corner in ([0, 0], [5, 0], [5, 3], [0, 3]):
        x, y = np.round(to_px(corner)[0]).astype(int)
        near = img[y - 2:y + 3, x - 2:x + 3].max(axis=2)          # PIL strokes a 3 px outline inwards
        assert near.min() < 80, f"corner {corner} at px {(x, y)} is not on the outline"
    x, y = np.round(to_px([2.5, 1.5])[0]).astype(int)
    assert img[y, x].min() > 200                                 # room interior is light


def test_answer_letter():
    assert answer_letter({"options": ["A. left", "B. right"], "answer": "B"}) == "B"
    assert answer_letter({"options": ["A. left", "B. right"], "answer": "right"}) == "B"
    assert answer_letter({"options": None, "answer": "3"}) is None


def _bars(s):
    root = ET.fromstring(s)
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]


def test_bar_chart_widths_are_proportional():
    s = svg.bar_chart([("a", 10), ("b", 5), ("c", 0)], "t")
    bars = _bars(s)
    w = [float(b.get("width")) for b in bars]
    assert [float(b.get("data-value")) for b in bars] == [10, 5, 0]
    assert w[1] == pytest.approx(w[0] / 2) and w[2] == 0


def test_histogram_counts_known():
    s = svg.histogram({"g": [0.05, 0.15, 0.15, 0.95, 1.0]}, "cov", bins=10, lo=0, hi=1)
    counts = [int(b.get("data-value")) for b in _bars(s)]
    assert counts == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    s2 = svg.histogram({"a": [1, 2], "b": [2, 2, 2]}, "two", bins=2, lo=1, hi=3)
    assert [int(b.get("data-value")) for b in _bars(s2)] == [1, 1, 0, 3]
    assert "no data" in svg.histogram({"a": []}, "empty")


def test_stacked_bars_normalised_fill_the_row():
    s = svg.stacked_bars([("t1", {"A": 3, "B": 1}), ("t2", {"A": 1, "B": 1})], ["A", "B"], "bal", normalise=True)
    bars = _bars(s)
    w = [float(b.get("width")) for b in bars]
    assert w[0] == pytest.approx(3 * w[1]) and w[2] == pytest.approx(w[3])
    assert w[0] + w[1] == pytest.approx(w[2] + w[3])


def test_retile_assets_known():
    """Five category bands of a 2-per-row asset sheet (one slot empty) become one row of five, pixel-exact."""
    from PIL import Image

    from simgen.report.gallery import retile_assets

    cell, var, band_h = 10, 3, 24
    sheet = Image.new("RGB", (2 * 30 + 8, 3 * band_h), (255, 255, 255))
    for k in range(5):
        r, b = divmod(k, 2)
        sheet.paste((10 * k, 0, 0), (b * 38, r * band_h, b * 38 + 30, (r + 1) * band_h))
    out = retile_assets(sheet, cell_px=cell, variants=var, per_row=5)
    assert out.size == (5 * 38 - 8, band_h)
    for k in range(5):
        assert out.getpixel((k * 38 + 15, 12)) == (10 * k, 0, 0)
    odd = Image.new("RGB", (100, 50))
    assert retile_assets(odd) is odd                  # not the asset sheet's layout: unchanged
