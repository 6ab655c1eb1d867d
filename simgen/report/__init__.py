"""Looking at the data: scene previews, the dataset report page and the README gallery.

Public surface:
    SceneDir            read one scene directory (simgen.report.scene_dir)
    dataset_stats(outs) statistics of one or more output directories (simgen.report.stats)
    build_report(outs, out_html, ...)  the self-contained HTML report (simgen.report.html)
The preview sheet itself is simgen.preview.preview_sheet.
"""

from simgen.report.scene_dir import SceneDir

__all__ = ["SceneDir"]
