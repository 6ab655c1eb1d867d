"""Every bad input: one line naming the problem and what is allowed, exit 2, nothing written, no traceback."""

import subprocess
import sys

import pytest

from simgen.cli import main


def _run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        code = main(argv)
        raise SystemExit(code)
    err = capsys.readouterr().err
    return e.value.code, err


@pytest.mark.parametrize("args, needle", [
    (["--complexity", "huge"], "allowed: low, medium, high, extreme"),
    (["--n", "0"], "--n must be a positive integer, got 0"),
    (["--n", "-3"], "--n must be a positive integer, got -3"),
    (["--n", "many"], "--n must be a positive integer"),
    (["--resolution", "0x10"], "--resolution must be WxH with 16..8192"),
    (["--resolution", "640by480"], "--resolution must be WxH"),
    (["--fps", "0"], "--fps must be a number in (0, 240]"),
    (["--workers", "0"], "--workers must be a positive integer"),
    (["--camera", "fisheye_drone"], "allowed: "),
    (["--set", "scene.objects_per_rom=3"], "unknown key 'objects_per_rom'; allowed:"),
    (["--set", "camera.width=wide"], "expected an integer"),
])
def test_bad_option(tmp_path, capsys, args, needle):
    out = tmp_path / "out"
    code, err = _run(["render", "--out", str(out), *args], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err
    assert not out.exists()


def test_malformed_preset_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("rooms = {low = 1,\n")
    code, err = _run(["render", "--scene", str(bad), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "not valid TOML" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_unknown_key_in_preset_file(tmp_path, capsys):
    f = tmp_path / "mine.toml"
    f.write_text('name = "mine"\nobjects_per_roam = 3\n')
    code, err = _run(["render", "--scene", str(f), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "'objects_per_roam'" in err and "allowed:" in err


def test_unreadable_preset(tmp_path, capsys):
    d = tmp_path / "dir.toml"
    d.mkdir()   # a directory cannot be read as a file, even by root
    code, err = _run(["render", "--scene", str(d), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "cannot read" in err and len(err.strip().splitlines()) == 1


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    code, err = _run(["render", "--out", str(f)], capsys)
    assert code == 2 and "is a file" in err
    assert f.read_text() == "x"


def test_out_under_a_file(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    code, err = _run(["render", "--out", str(f / "sub")], capsys)
    assert code == 2 and "is a file" in err


def test_out_not_writable(capsys):
    code, err = _run(["render", "--out", "/proc/simgen-cannot-write-here"], capsys)
    assert code == 2 and "cannot be written" in err or "not writable" in err


def test_out_foreign_nonempty_dir(tmp_path, capsys):
    (tmp_path / "thesis.tex").write_text("precious")
    code, err = _run(["render", "--out", str(tmp_path)], capsys)
    assert code == 2 and "not a simgen output directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_console_script_no_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "simgen", "render", "--complexity", "huge",
                        "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "simgen: error: argument --complexity: unknown complexity 'huge'; allowed: low, medium, high, extreme"]
