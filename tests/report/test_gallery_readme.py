"""The README gallery composer on already rendered scenes (the shared fixture stands in for the presets)."""

import re

import pytest
from PIL import Image

from simgen.report.gallery import DEGRADE, build_gallery, readme_markdown, render_commands

pytestmark = pytest.mark.slow


def test_render_commands(tmp_path):
    cmds = render_commands(tmp_path, 16, "320x240", 2)
    renders = [c for c in cmds if "render" in c]
    assert [c[c.index("--complexity") + 1] for c in renders] == ["low", "medium", "high", "extreme"]
    assert all(c[c.index("--workers") + 1] == "1" and c[c.index("--frames") + 1] == "16" and "--overwrite" in c
               for c in renders)
    med = renders[1]
    assert med[med.index("--degrade") + 1] == DEGRADE and "--keep-clean" in med
    assert any("gallery" in c for c in cmds)


def test_build_gallery_from_saved_scenes(outs, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for preset, src in (("low", "clean"), ("medium", "degraded"), ("high", "clean"), ("extreme", "clean")):
        (work / preset).symlink_to(outs[src])
    sizes = build_gallery(tmp_path / "gallery", work, render=False)
    expected = {"frames_low.png", "frames_medium.png", "frames_high.png", "frames_extreme.png", "degraded.png",
                "topdown.png", "sheet.png"}
    assert expected <= set(sizes) and "assets.png" not in sizes          # no asset sheet in work/
    for name, n in sizes.items():
        p = tmp_path / "gallery" / name
        assert p.stat().st_size == n < 150_000
        with Image.open(p) as im:
            assert im.mode == "P" and im.width >= 300                     # palette PNG, a real picture
    with Image.open(tmp_path / "gallery" / "degraded.png") as im:
        assert im.height > 2 * 96                                          # clean row above degraded row
    md = readme_markdown("docs/img/gallery")
    linked = set(re.findall(r"docs/img/gallery/([a-z_]+\.png)", md))
    assert expected <= linked and linked <= expected | {"qa.png", "assets.png"}
