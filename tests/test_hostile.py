"""Nothing a user does loses data or ends in a traceback.

Each case runs the command line (in-process through ``cli.main`` on the session atlas, or as a real
process where the process itself matters) and asserts the exit code, the one-line message, that no
traceback was printed, and that no input, cache file or earlier output was changed or left
half-written. The in-process cases reuse the session's built atlas, so each takes about a second.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

import commissioning_atlas as ca
from commissioning_atlas import atlas as atlas_mod
from commissioning_atlas import cli, settings
from commissioning_atlas.build import context as layers_mod
from commissioning_atlas._errors import AtlasError, DataError, SourceError
from commissioning_atlas.sources.catalogue import SourceFile
from commissioning_atlas.sources.fetch import _atomic_copy_verified, fetch_file
from commissioning_atlas.io.text import defuse, degrade, escape_controls, for_terminal, frame_csv, rows_csv

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "src/commissioning_atlas/data/geo"
SCEN_HEADER = "code,name,members\n"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# ----------------------------------------------------------------------------------- helpers

def _digest(path: Path) -> tuple:
    st = path.lstat()
    if stat.S_ISREG(st.st_mode):
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest(), stat.S_IMODE(st.st_mode))
    if stat.S_ISLNK(st.st_mode):
        return ("link", os.readlink(path))
    return ("dir" if stat.S_ISDIR(st.st_mode) else "special", stat.S_IMODE(st.st_mode))


def snapshot(*roots: Path) -> dict:
    """Every file and folder under ``roots`` (hidden ones included): content hash, kind and mode."""
    out = {}
    for root in roots:
        if not root.exists() and not root.is_symlink():
            continue
        out[root] = _digest(root)
        if root.is_dir() and not root.is_symlink():
            for dirpath, dirnames, filenames in os.walk(root):
                for n in dirnames + filenames:
                    p = Path(dirpath) / n
                    out[p] = _digest(p)
    return out


@pytest.fixture(scope="module")
def warm(atlas):
    """The session atlas with every layer made, so that no case (whatever its order) fetches into its cache."""
    atlas.build_all()
    return atlas


@pytest.fixture
def env(warm, tmp_path, monkeypatch):
    """A work folder, a cache folder with (stand-in) cache files, and the session atlas behind the CLI."""
    atlas = warm
    work = tmp_path / "work"
    work.mkdir()
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "atlas.gpkg").write_bytes(b"cache stand-in")
    (cache / "atlas.json").write_text('{"key": "stand-in"}')
    monkeypatch.setenv(settings.CACHE_ENV, str(cache))
    monkeypatch.delenv(settings.MIRROR_ENV, raising=False)
    monkeypatch.setattr(atlas_mod, "BuildContext", lambda **kw: atlas.ctx)  # the session's layers, read already
    monkeypatch.chdir(work)
    return {"work": work, "cache": cache, "tmp": tmp_path}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([*argv, "--quiet"] if argv and argv[0] not in ("--version",) else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(err: str, code: int, expected_code: int, *words: str) -> str:
    assert code == expected_code, err
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


PKG = ROOT / "src/commissioning_atlas"


def _package() -> dict:
    """Every file of the package (its code, declarations, tables and assets; compiled caches left out)."""
    return {k: v for k, v in snapshot(PKG).items() if "__pycache__" not in k.parts}


@contextlib.contextmanager
def unchanged(*roots: Path):
    """Assert that nothing under ``roots``, nor any file of the package (geo/ included), changed, appeared or
    vanished."""
    before = {**_package(), **snapshot(*roots)}
    yield
    after = {**_package(), **snapshot(*roots)}
    assert after == before, {str(k): (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


class _Hang(Exception):
    pass


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``."""
    def boom(*_):
        raise _Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _mount_tmpfs(path: Path, size: str, ro: bool = False) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if ro else "")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True)
    return res.returncode == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 512 KB file system (a real disk-full); needs root and mount, else skipped."""
    mnt = tmp_path / "small"
    if not IS_ROOT or not _mount_tmpfs(mnt, "512k"):
        pytest.skip("needs root to mount a small tmpfs")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def ro_disk(tmp_path):
    """A read-only file system (EROFS even for root); needs root and mount, else skipped."""
    mnt = tmp_path / "ro"
    if not IS_ROOT or not _mount_tmpfs(mnt, "1m", ro=True):
        pytest.skip("needs root to mount a read-only tmpfs")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _scenario(path: Path, rows: list[list[str]], header=("code", "name", "members")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path




# ------------------------------------------------------- 3. operating-system errors, one line each

@pytest.mark.integration
def test_output_that_is_a_folder(env, capsys):
    (env["work"] / "d.gpkg").mkdir()
    with unchanged(env["tmp"]):
        code, out, err = run(capsys, "export", "css_2012", "-o", "d.gpkg")
    assert_one_line(err, code, 2, "d.gpkg", "is a folder")
    assert out == ""


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["folder", "fifo", "dev-zero", "dangling"])
def test_scenario_that_is_not_a_file(env, capsys, kind):
    p = env["work"] / "mine.csv"
    if kind == "folder":
        p.mkdir()
        words = ("is a folder, expected a CSV or YAML file",)
    elif kind == "fifo":
        os.mkfifo(p)
        words = ("is not a regular file",)
    elif kind == "dev-zero":
        p.symlink_to("/dev/zero")
        words = ("is not a regular file",)
    else:
        p.symlink_to(env["work"] / "gone.csv")
        words = ("cannot read proposal file", "no such file")
    with unchanged(env["tmp"]), deadline(60):  # a pipe must not hang the run
        code, out, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(p))
    assert_one_line(err, code, 2, "mine.csv", *words)


@pytest.mark.integration
@pytest.mark.parametrize("base, words", [
    ("..", "base '..' is a folder"),
    ("zero.csv", "base 'zero.csv' is not a regular file"),
    ("pipe.yaml", "base 'pipe.yaml' is not a regular file"),
])
def test_yaml_base_that_is_not_a_file(env, capsys, base, words):
    (env["work"] / "zero.csv").symlink_to("/dev/zero")
    os.mkfifo(env["work"] / "pipe.yaml")
    s = env["work"] / "s.yaml"
    s.write_text(f"base: {base}\norganisations: []\n")
    with unchanged(env["tmp"]), deadline(60):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "s.yaml", words)


@pytest.mark.integration
@pytest.mark.parametrize("argv, words", [
    (["check", "--preset", "ccg-size", "--format", "csv", "-o", "/dev/null"], "folder of the operating system"),
    (["check", "--preset", "ccg-size", "--format", "csv", "-o", "fifo"], "is not a regular file"),
    (["export", "css_2012", "-o", "missing/x.csv"], "output folder does not exist"),
    (["export", "css_2012", "-o", "file.txt/x.csv"], "is not a folder"),
    (["map", "-o", "file.txt"], "is a file, expected a folder"),
    (["build", "-o", "file.txt/out"], "file.txt is a file"),
])
def test_output_paths_that_cannot_be_written(env, capsys, argv, words):
    (env["work"] / "file.txt").write_text("keep")
    os.mkfifo(env["work"] / "fifo")
    before_null = os.stat("/dev/null")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, words)
    now = os.stat("/dev/null")
    assert stat.S_ISCHR(now.st_mode) and now.st_rdev == before_null.st_rdev  # /dev/null is still a device


@pytest.mark.integration
def test_read_only_output_folder(env, capsys, ro_disk):
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "export", "css_2012", "-o", str(ro_disk / "css.gpkg"))
    assert_one_line(err, code, 2, str(ro_disk), "read-only file system")


@pytest.mark.integration
@pytest.mark.parametrize("command", [["map"], ["build"]])
def test_read_only_working_folder(env, capsys, ro_disk, monkeypatch, command):
    monkeypatch.chdir(ro_disk)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *command)
    assert_one_line(err, code, 2, "read-only file system")


@pytest.mark.integration
def test_read_only_cache(env, capsys, ro_disk, mirror, monkeypatch):
    monkeypatch.setenv(settings.CACHE_ENV, str(ro_disk / "cache"))
    monkeypatch.setattr(atlas_mod, "BuildContext", layers_mod.BuildContext)
    with unchanged(env["tmp"], mirror / "upstream" / "martinjc" / "UK-GeoJSON" / "json" / "statistical" / "eng"
                   / "lsoa_by_lad" / "E06000001.json"):
        code, _, err = run(capsys, "layers", "--mirror", str(mirror))
    assert_one_line(err, code, 2, "cannot write to the cache", "read-only file system", settings.CACHE_ENV)


@pytest.mark.integration
def test_cache_path_that_is_a_file(env, capsys, mirror, monkeypatch):
    (env["tmp"] / "cachefile").write_text("not a folder")
    monkeypatch.setenv(settings.CACHE_ENV, str(env["tmp"] / "cachefile"))
    monkeypatch.setattr(atlas_mod, "BuildContext", layers_mod.BuildContext)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "layers", "--mirror", str(mirror))
    assert_one_line(err, code, 2, "cachefile", "cannot write to the cache")


@pytest.mark.integration
def test_mirror_that_is_a_file(env, capsys):
    (env["work"] / "m").write_text("x")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "fetch", "--mirror", "m")
    assert_one_line(err, code, 2, "mirror is not a folder")


@pytest.mark.integration
def test_disk_full_export_leaves_nothing(env, capsys, small_disk):
    with unchanged(env["tmp"] / "work", env["cache"]):
        code, _, err = run(capsys, "export", "css_2012", "-o", str(small_disk / "css.gpkg"))
    assert_one_line(err, code, 2, "css.gpkg", "disk full")
    assert list(small_disk.iterdir()) == []
    code, _, err = run(capsys, "export", "lsoa_2011", "-o", str(small_disk / "lsoa.csv"))
    assert_one_line(err, code, 2, "lsoa.csv", "disk full")
    assert list(small_disk.iterdir()) == []


@pytest.mark.integration
def test_disk_full_build_keeps_the_earlier_out(env, capsys, small_disk, quick_build):
    out = small_disk / "out"
    (out / "layers").mkdir(parents=True)
    (out / "layers.txt").write_text("the earlier build\n")
    (out / "layers" / "pct_2011.csv").write_text("code\nearlier\n")
    with unchanged(small_disk, env["cache"]):
        code, _, err = run(capsys, "build", "-o", str(out))
    line = assert_one_line(err, code, 2, "disk full")
    assert str(out) in line and ".staging" not in line  # names the file the user would get


@pytest.mark.integration
def test_disk_full_new_build_leaves_no_out(env, capsys, small_disk, quick_build):
    code, _, err = run(capsys, "build", "-o", str(small_disk / "new"))
    assert_one_line(err, code, 2, "disk full")
    assert list(small_disk.iterdir()) == []


# --------------------------------------------------------------- 4. a terminal that is not UTF-8

@pytest.mark.integration
def test_latin1_terminal_gets_ascii_ellipsis(mirror, atlas):
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "PYTHONPATH": str(ROOT / "src"),
           settings.MIRROR_ENV: str(mirror)}
    res = subprocess.run([sys.executable, "-m", "commissioning_atlas", "check", "--preset", "cluster-vs-sha",
                          "--rule", "crosses", "--quiet"], capture_output=True, env=env, timeout=300)
    err = res.stderr.decode("latin-1")
    assert res.returncode == 1 and "Traceback" not in err and err == "", err
    out = res.stdout.decode("latin-1")
    assert "NHS Milton Keynes and Northampt..." in out and "4 rows: 0 error, 2 warning, 2 info" in out


@pytest.mark.integration
@pytest.mark.parametrize("encoding", ["latin-1", "ascii", "cp1252"])
def test_every_output_fits_the_stream_encoding(env, capsys, monkeypatch, encoding):
    s = _scenario(env["work"] / "w.csv", [["W1", "Ynys Môn – Gwynedd … “quoted” 中文 " + "x" * 40, "CL01"]])
    for fmt in ("table", "csv", "json", "md"):
        buf = io.BytesIO()
        stream = io.TextIOWrapper(buf, encoding=encoding, errors="strict", newline="")
        monkeypatch.setattr(sys, "stdout", stream)
        code = cli.main(["check", "--preset", "proposal-vs-cluster", "--scenario", str(s), "--format", fmt,
                         "--quiet"])
        stream.flush()
        err = capsys.readouterr().err
        assert code == 1 and err == "", (fmt, err)
        text = buf.getvalue().decode(encoding)
        assert "W1" in text
        if fmt == "json":  # still the same document
            doc = json.loads(text)
            assert any(f["subject_name"].startswith("Ynys Môn – Gwynedd … “quoted” 中文") for f in doc["findings"])


# ------------------------------------------------------------------ 5. outputs that destroy inputs

@pytest.mark.integration
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_output_that_is_the_scenario(env, capsys, how):
    s = GEO / "css_2012.csv"
    mine = env["work"] / "mine.csv"
    mine.write_bytes(s.read_bytes())
    target = {"same": mine, "relative": Path("mine.csv"), "symlink": env["work"] / "link.csv",
              "hardlink": env["work"] / "hard.csv"}[how]
    if how == "symlink":
        target.symlink_to(mine)
    if how == "hardlink":
        os.link(mine, target)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(mine),
                           "--format", "csv", "-o", str(target))
    assert_one_line(err, code, 2, "is an input of this run")


@pytest.mark.integration
def test_output_that_is_the_scenarios_base(env, capsys):
    base = env["work"] / "base.csv"
    base.write_bytes((GEO / "css_2012.csv").read_bytes())
    s = env["work"] / "s.yaml"
    s.write_text("base: base.csv\nremove: [CSS01]\n")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s),
                           "-o", str(base))
    assert_one_line(err, code, 2, "base.csv", "is an input of this run")


@pytest.mark.integration
@pytest.mark.parametrize("argv, words", [
    (["export", "css_2012", "-o", str(GEO / "css_2012.csv")], "is in the project's tables"),
    (["export", "css_2012", "-o", str(GEO / "new.gpkg")], "is in the project's tables"),
    (["check", "--preset", "ccg-size", "--format", "md", "-o", str(ROOT / "src/commissioning_atlas/data/sources.toml")],
     "is the catalogue"),
    (["map", "-o", str(GEO / "maps")], "is in the project's tables"),
    (["build", "-o", str(GEO)], "is in the project's tables"),
])
def test_outputs_into_the_project_tables(env, capsys, argv, words):
    with unchanged(env["tmp"], ROOT / "src/commissioning_atlas/data/sources.toml"):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, words)


@pytest.mark.integration
def test_output_through_a_link_into_the_project_tables(env, capsys):
    (env["work"] / "g").symlink_to(GEO)
    (env["work"] / "t.csv").symlink_to(GEO / "pct_memberships.csv")
    with unchanged(env["tmp"]):
        for target in ("g/css_2012.csv", "t.csv"):
            code, _, err = run(capsys, "export", "css_2012", "-o", target)
            assert_one_line(err, code, 2, target, "is in the project's tables")


@pytest.fixture
def quick_build(monkeypatch, atlas):
    """``build`` without the (slow) check presets and maps: the layer exports and the commit are real."""
    import commissioning_atlas.maps as maps
    import commissioning_atlas.over_time as over_time

    table = over_time.coterminosity_over_time(atlas, ["pct_2011"])
    monkeypatch.setattr(over_time, "coterminosity_over_time", lambda atlas: table)

    import commissioning_atlas.pipeline as pipeline

    monkeypatch.setattr(pipeline, "run_all_presets", lambda atlas, geometry=True: {})
    monkeypatch.setattr(ca.Atlas, "layer_ids",
                        lambda self, era=None: ["lsoa_2011", "sha_2011"] + (["scenario"] if self.scenario else []))


    def write_maps(atlas, out, results, **kw):
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text("<p>maps</p>")
        return [out / "index.html"]

    monkeypatch.setattr(maps, "write_maps", write_maps)


@pytest.mark.integration
def test_build_never_replaces_its_own_scenario(env, capsys, quick_build):
    out = env["work"] / "out"
    (out / "layers").mkdir(parents=True)
    mine = out / "layers" / "scenario.csv"  # where build writes the scenario layer
    _scenario(mine, [["M1", "Mine", "CL01"]])
    (out / "layers.txt").write_text("the earlier build\n")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "build", "-o", str(out), "--scenario", str(mine))
    line = assert_one_line(err, code, 2, "scenario.csv", "is an input of this run")
    assert ".staging" not in line


@pytest.mark.integration
def test_build_refuses_before_moving_anything(env, capsys, quick_build):
    out = env["work"] / "out"
    (out / "layers").mkdir(parents=True)
    (out / "layers.txt").write_text("the earlier build\n")
    ro = out / "layers" / "sha_2011.gpkg"
    ro.write_bytes(b"a read-only earlier output")
    ro.chmod(0o444)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "build", "-o", str(out))
    assert_one_line(err, code, 2, "sha_2011.gpkg", "is read-only")
    ro.chmod(0o644)
    code, out_text, err = run(capsys, "build", "-o", str(out))
    assert code == 0 and err == "" and "wrote 1 maps" in out_text
    assert (out / "layers.txt").read_text().startswith("== 2011\nlayer ")
    assert len(pyogrio.read_dataframe(out / "layers" / "sha_2011.gpkg")) == 10
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "build_report.json", "checks", "layers", "layers.txt", "maps",
                                                     "over_time.csv", "over_time.png"]  # no staging left


@pytest.mark.integration
@pytest.mark.skipif(IS_ROOT, reason="root may write anywhere: the read-only file system cases cover it")
@pytest.mark.parametrize("argv", [["export", "css_2012", "-o", "locked/x.csv"], ["map", "-o", "locked/maps"]])
def test_permission_denied(env, capsys, argv):
    locked = env["work"] / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with unchanged(env["tmp"]):
            code, _, err = run(capsys, *argv)
        assert_one_line(err, code, 2, "locked", "permission denied")
    finally:
        locked.chmod(0o755)


@pytest.mark.integration
@pytest.mark.parametrize("argv", [
    ["export", "lsoa_2011", "-o", "{cache}/atlas.gpkg"],
    ["export", "css_2012", "-o", "{cache}/other.csv"],
    ["check", "--preset", "ccg-size", "-o", "{cache}/atlas.json"],
    ["map", "-o", "{cache}/maps"],
])
def test_outputs_into_the_cache(env, capsys, argv):
    argv = [a.format(cache=env["cache"]) for a in argv]
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, "is in the cache")


@pytest.mark.integration
def test_outputs_into_the_mirror(env, capsys, tmp_path):
    mir = tmp_path / "mirror"
    (mir / "upstream").mkdir(parents=True)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "export", "css_2012", "-o", str(mir / "upstream" / "x.csv"), "--mirror", str(mir))
    assert_one_line(err, code, 2, "is in the mirror of upstream files")


@pytest.mark.integration
def test_geopackage_gets_a_layer_added_or_replaced(env, capsys):
    gp = env["work"] / "project.gpkg"
    code, _, err = run(capsys, "export", "pct_2011", "-o", str(gp))
    assert code == 0 and err == ""
    code, out, err = run(capsys, "export", "css_2012", "-o", str(gp))
    assert code == 0 and err == "" and "its other layers kept: pct_2011" in out
    assert sorted(pyogrio.list_layers(gp)[:, 0]) == ["css_2012", "pct_2011"]
    code, _, _ = run(capsys, "check", "--preset", "cluster-vs-sha", "-o", str(gp))  # the suffix picks gpkg
    assert code == 1
    assert sorted(pyogrio.list_layers(gp)[:, 0]) == ["css_2012", "findings", "pct_2011"]
    code, out, _ = run(capsys, "export", "css_2012", "-o", str(gp))  # replaces that one layer only
    assert code == 0 and sorted(pyogrio.list_layers(gp)[:, 0]) == ["css_2012", "findings", "pct_2011"]
    assert len(pyogrio.read_dataframe(gp, layer="pct_2011")) == 151
    assert len(pyogrio.read_dataframe(gp, layer="css_2012")) == 42
    assert [p.name for p in env["work"].iterdir()] == ["project.gpkg"]  # no temp files or journals left


@pytest.mark.integration
def test_existing_file_that_is_not_a_geopackage(env, capsys):
    gp = env["work"] / "notes.gpkg"
    gp.write_text("my notes, not a GeoPackage")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "export", "css_2012", "-o", str(gp))
    assert_one_line(err, code, 2, "notes.gpkg", "is not a GeoPackage")


@pytest.mark.integration
@pytest.mark.parametrize("suffix", [".gpkg", ".csv", ".geojson"])
def test_read_only_file_is_not_replaced(env, capsys, suffix):
    code, _, _ = run(capsys, "export", "css_2012", "-o", f"x{suffix}")
    assert code == 0
    target = env["work"] / f"x{suffix}"
    target.chmod(0o444)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "export", "pct_2011", "-o", str(target))
        assert_one_line(err, code, 2, f"x{suffix}", "is read-only")
        if suffix != ".geojson":  # check writes .csv and .gpkg too
            code, _, err = run(capsys, "check", "--preset", "ccg-size", "-o", str(target))
            assert_one_line(err, code, 2, f"x{suffix}", "is read-only")


@pytest.mark.integration
def test_replaced_file_keeps_its_permissions(env, capsys):
    code, _, _ = run(capsys, "export", "css_2012", "-o", "x.csv")
    (env["work"] / "x.csv").chmod(0o640)
    code, _, _ = run(capsys, "export", "csu_2013", "-o", "x.csv")
    assert code == 0 and stat.S_IMODE((env["work"] / "x.csv").stat().st_mode) == 0o640
    assert "CSU" in (env["work"] / "x.csv").read_text()


# ---------------------------------------------------------------------- 6. one CSV writer for all

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\t=1+1", " =1+1", "\r=1"]


def _formula_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    bad = []
    for r in rows[1:]:
        for v in r:
            try:
                float(v)
                continue
            except ValueError:
                pass
            if v.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r"):
                bad.append(v)
    return bad


@pytest.mark.integration
def test_layer_csvs_defuse_formulas(env, capsys):
    rows = [[f"H{i}", name, f"CL{i + 1:02d}"] for i, name in enumerate(HOSTILE)]
    s = _scenario(env["work"] / "h.csv", [r + [name] for r, name in zip(rows, HOSTILE)],
                  header=("code", "name", "members", "note"))
    code, _, err = run(capsys, "export", "scenario", "--scenario", str(s), "-o", "layer.csv")
    assert code == 0 and err == ""
    assert _formula_cells(env["work"] / "layer.csv") == []
    back = pd.read_csv(env["work"] / "layer.csv", dtype=str, keep_default_na=False)
    assert set(back["name"]) == {"'" + h.replace("\r", "\n") for h in HOSTILE}  # defused, not dropped
    code, _, _ = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s), "-o", "f.csv")
    assert code == 1 and _formula_cells(env["work"] / "f.csv") == []


def test_the_one_csv_writer():
    assert defuse("-1.5") == "-1.5" and defuse("1e3") == "1e3" and defuse(-2) == -2
    assert defuse("=1") == "'=1" and defuse("\t@x") == "'\t@x" and defuse("plain") == "plain"
    df = pd.DataFrame({"name": HOSTILE, "population": range(len(HOSTILE)), "share": [-0.5] * len(HOSTILE)})
    back = pd.read_csv(io.StringIO(frame_csv(df)), dtype=str, keep_default_na=False)
    assert all(v.startswith("'") for v in back["name"]) and set(back["share"]) == {"-0.5"}
    assert len(back) == len(HOSTILE)  # a CR inside a cell does not start a new row
    assert defuse("x\r=cmd") == "x\n=cmd" and rows_csv(["a"], [["x\r=cmd"]]) == 'a\n"x\n=cmd"\n'
    assert rows_csv(["a", "b"], [["=x", None], [None, 3.5]]) == "a,b\n'=x,\n,3.5\n"


# ------------------------------------------------------------ 7. control characters and terminals

CONTROL_NAMES = ["\x1b]0;pwned\x07title", "\x1b[31mred\x1b[0m", "right\u202etxt.exe", "bell\x07\x07",
                 "back\x08\x08\x08", "csi\x9b2J", "cr\roverwrite", "zw\u200bsp\u2066iso\u2069"]
UNSAFE = ["\x1b", "\x07", "\u202e", "\x08", "\x9b", "\r", "\u200b", "\u2066"]


@pytest.mark.integration
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "md"])
def test_control_characters_never_reach_the_terminal(env, capsys, fmt):
    s = _scenario(env["work"] / "c.csv", [[f"C{i}", n, f"CL{i + 1:02d}"] for i, n in enumerate(CONTROL_NAMES)])
    code, out, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s), "--format", fmt)
    assert code == 1 and err == ""
    assert not any(u in out for u in UNSAFE), [u for u in UNSAFE if u in out]
    assert "\\u001b" in out and "pwned" in out  # shown, escaped
    if fmt == "json":  # escaped the JSON way: the document still holds the names as they are
        names = {f["subject_name"] for f in json.loads(out)["findings"]}
        assert set(CONTROL_NAMES) <= names


@pytest.mark.integration
def test_control_characters_in_paths_and_errors(env, capsys):
    code, out, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", "\x1b[2Jx\u202e.csv")
    assert_one_line(err, code, 2, "cannot read proposal file")
    assert not any(u in err for u in UNSAFE)
    s = _scenario(env["work"] / "u.csv", [["U1", "x", "CL99\x1b[2J"]])
    code, out, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "unknown unit code")
    assert not any(u in err for u in UNSAFE)


@pytest.mark.integration
def test_hostile_choropleth_column_is_one_escaped_line(env, capsys):
    """`map --choropleth` with markup and terminal controls: one line, controls escaped, nothing written."""
    bad = "\x1b]0;pwned\x07<img src=x onerror=alert(1)>\u202e"
    with unchanged(env["work"]):
        code, out, err = run(capsys, "map", "-o", str(env["work"] / "maps"), "--choropleth", bad)
    line = assert_one_line(err, code, 2, "--choropleth", "is not a numeric column", "population, registered_population")
    assert not any(u in line for u in UNSAFE) and "<img src=x onerror=alert(1)>" in line and out == ""
    assert not (env["work"] / "maps").exists()


def test_terminal_sanitiser():
    assert escape_controls("a\x1b[31mb") == "a\\u001b[31mb"
    assert escape_controls("line\nnext\ttab") == "line\nnext\ttab"
    assert for_terminal("x\u202ey", encoding="utf-8") == "x\\u202ey"
    assert for_terminal(for_terminal("a\x07b", encoding="utf-8"), encoding="utf-8") == "a\\u0007b"  # idempotent
    assert degrade("Ynys Môn …", "ascii") == "Ynys Mon ..."
    assert degrade("Ynys Môn …", "latin-1") == "Ynys Môn ..."
    assert degrade("中", "ascii") == "\\u4e2d"


# ----------------------------------------------------------------------------- 8. resource limits

def _big_yaml(path: Path, n: int) -> Path:
    lines = ["exclusive: false", "organisations:"]
    lines += [f"- {{code: O{i}, name: Org {i}, members: [CL{i % 50 + 1:02d}, CL{(i + 1) % 50 + 1:02d}]}}"
              for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.integration
def test_twenty_thousand_overlapping_organisations(env, capsys):
    s = _big_yaml(env["work"] / "big.yaml", 20_000)
    assert s.stat().st_size > 1_000_000
    with unchanged(env["tmp"]), deadline(30):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "big.yaml", "too many organisations (more than the 1,000 a scenario may hold)")


@pytest.mark.integration
@pytest.mark.parametrize("text, words", [
    ("organisations: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 16 levels deep"),
    ("organisations:\n" + "".join("  " * i + "- \n" for i in range(1, 40)), "nested more than 16 levels deep"),
    ("organisations:\n" + "- {code: A, name: a, members: CL01}\n" * 1001, "too many organisations"),
])
def test_deep_or_huge_yaml(env, capsys, text, words):
    s = env["work"] / "deep.yaml"
    s.write_text(text)
    with unchanged(env["tmp"]), deadline(30):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "deep.yaml", words)


@pytest.mark.integration
def test_overlap_cap(env, capsys):
    shas = "[" + ", ".join(f"E180000{i:02d}" for i in range(1, 11)) + "]"
    s = env["work"] / "o.yaml"
    s.write_text("exclusive: false\norganisations:\n" +
                 "".join(f"- {{code: O{i}, name: all of England {i}, members: {shas}}}\n" for i in range(6)))
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "o.yaml", "row 6", "overlap too much", "5 times England's 151 PCTs")


@pytest.mark.integration
@pytest.mark.parametrize("rows, words", [
    ([["A", "a", " ".join(["CL01"] * 501)]], "too many unit codes"),
    ([[f"A{i}", "a", f"CL{i % 50 + 1:02d}"] for i in range(1001)], "too many organisations"),
])
def test_csv_caps(env, capsys, rows, words):
    s = _scenario(env["work"] / "c.csv", rows)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "c.csv", words)


@pytest.mark.integration
def test_file_too_large(env, capsys):
    s = env["work"] / "huge.csv"
    with open(s, "w") as f:
        f.write(SCEN_HEADER)
        f.write(("A,a,CL01 " + "x" * 1000 + "\n") * 5100)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, "huge.csv", "file too large")


def _sf(data: bytes, rel: str = "upstream/x/y/file.json") -> SourceFile:
    return SourceFile(repository="x/y", commit="0" * 40, path="file.json", url="http://127.0.0.1:9/never",
                      sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))


@pytest.mark.parametrize("kind, words", [
    ("dev-zero", "is not a regular file"),
    ("longer", "too long: more than the 1,000 bytes the catalogue pins"),
    ("shorter", "too short: 500 bytes where the catalogue pins 1,000"),
    ("replaced", "checksum mismatch"),
    ("folder", "is a folder in the mirror"),
    ("fifo", "is not a regular file"),
])
def test_mirror_file_of_the_wrong_size_or_kind(tmp_path, kind, words):
    data = b"x" * 1000
    sf = _sf(data)
    mirror, cache = tmp_path / "mirror", tmp_path / "cache"
    src = mirror / sf.relpath
    src.parent.mkdir(parents=True)
    if kind == "dev-zero":
        src.symlink_to("/dev/zero")
    elif kind == "longer":
        src.write_bytes(data + b"y" * 10_000_000)
    elif kind == "shorter":
        src.write_bytes(data[:500])
    elif kind == "replaced":
        src.write_bytes(b"z" * 1000)
    elif kind == "folder":
        src.mkdir()
    else:
        os.mkfifo(src)
    with deadline(30), pytest.raises(SourceError, match=words) as ei:
        fetch_file(sf, cache, mirror, progress=False)
    assert "truncated" not in str(ei.value) or kind == "shorter"
    assert not list(cache.rglob("*")) or all(p.is_dir() for p in cache.rglob("*"))  # nothing half-written


def test_download_stops_at_the_catalogue_size(tmp_path):
    class Endless:
        read_bytes = 0

        def read(self, n):
            self.read_bytes += n
            return b"\0" * n

    stream = Endless()
    with pytest.raises(SourceError, match="too long"):
        _atomic_copy_verified(stream, tmp_path / "c" / "f.json", "0" * 64, 1000, "http://x", progress=False)
    assert stream.read_bytes == 1001
    assert list((tmp_path / "c").iterdir()) == []


# --------------------------------------------------------------------------- 9. silent oddities

@pytest.mark.integration
@pytest.mark.parametrize("name, text, words", [
    ("nul.csv", SCEN_HEADER + "A,na\x00me,CL01\n", "NUL byte (line 2"),
    ("nul.yaml", "- {code: A, name: \"na\x00me\", members: CL01}\n", "NUL byte (line 1"),
    ("header.csv", SCEN_HEADER, "no organisations: the file has a header row but no organisation rows"),
    ("header-blank.csv", SCEN_HEADER + "\n\n,,\n", "no organisations"),
    ("empty-list.yaml", "organisations: []\n", "no organisations"),
    ("dup.yaml", "organisations:\n- code: A\n  name: a\n  members: CL01\n  members: CL02\n",
     "duplicate key 'members' at line 5 (first at line 4)"),
    ("dup-top.yaml", "organisations: []\norganisations:\n- {code: A, name: a, members: CL01}\n",
     "duplicate key 'organisations'"),
    ("remove-all.yaml", "base: css_2012\nremove: [" + ", ".join(f"CSS{i:02d}" for i in range(1, 43)) + "]\n",
     "no organisations left"),
])
def test_consistent_messages(env, capsys, name, text, words):
    s = env["work"] / name
    s.write_bytes(text.encode("utf-8"))
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    assert_one_line(err, code, 2, name, words)


def test_nul_byte_never_cut_in_a_geopackage(tmp_path):
    from commissioning_atlas.io.export import export_layer

    g = gpd.GeoDataFrame({"code": ["A"], "name": ["cut\x00here"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=27700)
    with pytest.raises(AtlasError, match="NUL byte"):
        export_layer(g, tmp_path / "x.gpkg")
    assert list(tmp_path.iterdir()) == []


def test_empty_geometry_is_not_called_a_wrong_crs(tmp_path):
    from commissioning_atlas.sources.readers import normalise, read_vector

    for geom in (None, {"type": "Polygon", "coordinates": []}):
        p = tmp_path / "e.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"CODE": "E01"}, "geometry": geom}]}))
        with pytest.raises(DataError) as ei:
            normalise(read_vector(p), p, "CODE")
        assert "has no geometry" in str(ei.value) and "CRS" not in str(ei.value)


# --------------------------------------------------------------------------- 11. exit codes

def _raises(exc: BaseException):
    def cmd(args):
        raise exc
    return cmd


@pytest.mark.integration
def test_unexpected_error_exits_3_in_one_line(env, capsys, monkeypatch):
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(ValueError("something\nwent wrong")))
    code, _, err = run(capsys, "layers")
    line = assert_one_line(err, code, 3, "internal error: ValueError: something went wrong", "report it",
                           "--debug")
    assert line.startswith("internal error")
    code, _, err = run(capsys, "layers", "--debug")
    assert code == 3 and "Traceback" in err and err.strip().splitlines()[-1].startswith("internal error")
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(MemoryError()))
    code, _, err = run(capsys, "layers")
    assert_one_line(err, code, 3, "out of memory")
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(RecursionError("maximum recursion depth exceeded")))
    code, _, err = run(capsys, "layers")
    assert_one_line(err, code, 3, "RecursionError")
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(KeyboardInterrupt()))
    code, _, err = run(capsys, "layers")
    assert_one_line(err, code, 130, "interrupted")
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(PermissionError(13, "Permission denied", "/some/file")))
    code, _, err = run(capsys, "layers")
    assert_one_line(err, code, 2, "error: /some/file: permission denied")


def test_a_crash_never_exits_1_as_a_process(tmp_path):
    code = ("import sys, commissioning_atlas.cli as c, commissioning_atlas.cli.commands as cmds\n"
            "cmds.cmd_layers = lambda a: {}['missing']\n"
            "raise SystemExit(c.main(['layers', '--quiet']))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert res.returncode == 3 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "internal error: KeyError: 'missing'" in res.stderr


# ------------------------------------------------------------------------ 12. the CLI's own words

@pytest.mark.integration
@pytest.mark.parametrize("name, check", [
    ("x.csv", lambda t: t.startswith("rule,subject_layer,subject_code")),
    ("x.json", lambda t: json.loads(t)["preset"] == "cluster-vs-sha"),
    ("x.md", lambda t: t.startswith("# PCT clusters against SHAs")),
    ("x.txt", lambda t: t.startswith("# PCT clusters against SHAs") and "rows:" in t),
])
def test_check_format_from_the_suffix(env, capsys, name, check):
    code, out, err = run(capsys, "check", "--preset", "cluster-vs-sha", "-o", name)
    assert code == 1 and err == "" and f"to {name}" in out
    assert check((env["work"] / name).read_text(encoding="utf-8"))


@pytest.mark.integration
@pytest.mark.parametrize("argv, words", [
    (["check", "--preset", "cluster-vs-sha", "-o", "x.xlsx"], "cannot tell the format from the suffix '.xlsx'"),
    (["check", "--preset", "cluster-vs-sha", "-o", "x"], "a name without a suffix"),
    (["check", "--preset", "cluster-vs-sha", "--format", "csv", "-o", "x.json"], "does not match the suffix"),
    (["export", "scenario", "-o", "s.csv"], "add --scenario FILE"),
    (["check", "--subject", "scenario", "--against", "sha_2011"], "add --scenario FILE"),
])
def test_cli_words(env, capsys, argv, words):
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, words)


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as e:
        cli.main([*argv, "--help"])
    assert e.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_version_is_the_installed_package_metadata(capsys):
    """``--version`` prints the version pip installed (the package metadata, from pyproject.toml), not just
    the attribute it prints (which once said 0.1.0 while the package was 0.2.0)."""
    from importlib.metadata import version

    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"commissioning-atlas {version('commissioning-atlas')}"


def test_the_exit_codes_the_help_states_are_the_ones_returned(capsys, small_atlas, tmp_path, monkeypatch):
    """Each exit code the top help states is what a run of that kind returns, on the small atlas: 0 for a
    check without warnings, 1 for one with warnings, 2 for bad input (a value out of range, or an option a
    command no longer has: a usage error, not silently ignored), 3 for an unexpected error (one line
    pointing at --debug)."""
    top = _help(capsys)
    stated = dict(re.findall(r"(\d): ([a-z ]+)", re.search(r"exit (0: .*?unexpected error)", top).group(1)))
    assert stated == {"0": "no warnings", "1": "warnings or errors", "2": "bad input", "3": "unexpected error"}
    monkeypatch.setattr(cli.commands, "_load", lambda args: small_atlas)
    # PCTs nest in the SHAs; the middle CCGs reach one column into two PCTs (tests/small_atlas.py)
    assert cli.main(["check", "--subject", "pct_2011", "--against", "sha_2011", "--quiet"]) == 0
    assert cli.main(["check", "--subject", "ccg_2015", "--against", "pct_2011", "--quiet"]) == 1
    assert "warning" in capsys.readouterr().out
    assert cli.main(["map", "-o", str(tmp_path / "m"), "--simplify", "-5", "--quiet"]) == 2
    with pytest.raises(SystemExit) as e:
        cli.main(["fetch", "--rebuild"])  # the README no longer says it does
    assert e.value.code == 2 and "unrecognized arguments: --rebuild" in capsys.readouterr().err
    monkeypatch.setattr(cli.commands, "cmd_layers", _raises(ValueError("boom")))
    assert cli.main(["layers", "--quiet"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: ValueError: boom" in err and "--debug" in err


# --------------------------------------------------------------- the set-up scripts (PEP 668)

SYSTEM_PY = Path("/usr/bin/python3")


def _externally_managed(py: Path) -> bool:
    if not py.exists():
        return False
    res = subprocess.run([str(py), "-c", "import sysconfig, os; print(os.path.isfile(os.path.join("
                          "sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"], capture_output=True, text=True)
    return res.stdout.strip() == "True"


@pytest.mark.skipif(not _externally_managed(SYSTEM_PY), reason="no externally managed system Python here")
@pytest.mark.packaging
def test_setup_scripts_make_a_venv_on_a_pep668_python(tmp_path):
    """With the distribution's python3 first on PATH and no venv active, the scripts use ./.venv."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for f in ("_python.sh", "main.sh", "test.sh"):
        (repo / "scripts" / f).write_bytes((ROOT / "scripts" / f).read_bytes())
    env = {"PATH": f"{SYSTEM_PY.parent}:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    probe = ". scripts/_python.sh; select_python; echo \"PY=$PY\"; \"$PY\" -m pip --version"
    res = subprocess.run(["bash", "-c", probe], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"PY={repo}/.venv/bin/python" in res.stdout and "PEP 668" in res.stderr
    base = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-c", "import sys; print(sys.base_prefix)"],
                          capture_output=True, text=True).stdout.strip()
    assert base == "/usr"  # the venv is built on the system interpreter, not on this test's Python
    # a second run reuses it; an active venv wins over it
    res = subprocess.run(["bash", "-c", probe], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert f"PY={repo}/.venv/bin/python" in res.stdout and "PEP 668" not in res.stderr
    other = tmp_path / "active"
    subprocess.run([str(SYSTEM_PY), "-m", "venv", "--without-pip", str(other)], check=True)
    res = subprocess.run(["bash", "-c", probe.split("; \"$PY\"")[0]], cwd=repo, env={**env, "VIRTUAL_ENV": str(other)},
                         capture_output=True, text=True, timeout=300)
    assert f"PY={other}/bin/python" in res.stdout


def test_setup_scripts_use_a_python_that_takes_pip_installs(tmp_path):
    """Where pip may install (this test's own Python, outside a PEP 668 system), no .venv is made."""
    if sys.prefix != sys.base_prefix or _externally_managed(Path(sys.executable)):
        pytest.skip("this Python is a venv or externally managed")
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "_python.sh").write_bytes((ROOT / "scripts" / "_python.sh").read_bytes())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(sys.executable)
    env = {"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(tmp_path)}
    res = subprocess.run(["bash", "-c", '. scripts/_python.sh; select_python; echo "PY=$PY"'], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and f"PY={bindir}/python3" in res.stdout, res.stderr
    assert not (repo / ".venv").exists()


@pytest.mark.skipif(not _externally_managed(SYSTEM_PY), reason="no externally managed system Python here")
@pytest.mark.packaging
def test_main_sh_installs_on_the_system_python(tmp_path):
    """The README's first command, end to end up to the build, on the distribution's Python (PEP 668).

    Installs the package and its dependencies from the package index into a new ./.venv (pip's
    cache makes a second run quick), then runs ``build --help`` through the script.
    """
    repo = tmp_path / "repo"
    for rel in ("pyproject.toml", "README.md", "scripts", "src"):
        src = ROOT / rel
        if src.is_dir():
            for f in src.rglob("*"):
                if f.is_file() and "__pycache__" not in f.parts and not f.name.endswith(".egg-info"):
                    (repo / f.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
                    (repo / f.relative_to(ROOT)).write_bytes(f.read_bytes())
        else:
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_bytes(src.read_bytes())
    env = {"PATH": f"{SYSTEM_PY.parent}:/bin", "HOME": os.environ.get("HOME", str(tmp_path)), "LANG": "C.UTF-8"}
    res = subprocess.run(["bash", "scripts/main.sh", "--help"], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=1500)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "externally-managed-environment" not in res.stderr and "PEP 668): using ./.venv" in res.stderr
    assert "usage: commissioning-atlas build" in res.stdout
    version = subprocess.run([str(repo / ".venv" / "bin" / "commissioning-atlas"), "--version"], capture_output=True,
                             text=True, env=env, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("commissioning-atlas ")


# ------------------------------------------------- every path a user passes is guarded

def _apportion_table(atlas, path: Path, extra: dict | None = None) -> Path:
    """A table of figures per PCT (pct, deaths, rate and any ``extra`` columns), written as CSV."""
    codes = atlas.layer("pct_2011")["code"].astype(str).tolist()
    t = pd.DataFrame({"pct": codes, "deaths": [100 + i for i in range(len(codes))],
                      "rate": [1.5] * len(codes), **(extra or {})})
    t.to_csv(path, index=False)
    return path


APPORTION = ("--code-column", "pct", "--from", "pct_2011", "--to", "ccg_2013", "--counts", "deaths")


# 1. outputs that are links, devices or system files
@pytest.mark.integration
def test_output_link_writes_its_target(env, capsys):
    """An output that is a symlink: its target is written (atomically), the link stays a link."""
    target = env["work"] / "target.csv"
    target.write_text("old\n")
    link = env["work"] / "link.csv"
    link.symlink_to(target)
    with unchanged(env["cache"]):
        code, out, err = run(capsys, "export", "css_2012", "-o", str(link))
    assert code == 0 and err == "", err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text().startswith("code,") and len(pd.read_csv(target)) == 42
    assert sorted(p.name for p in env["work"].iterdir()) == ["link.csv", "target.csv"]


@pytest.mark.parametrize("argv, words", [
    (["check", "--preset", "cluster-vs-sha", "--format", "csv", "-o", "/dev/stdout.csv"], "/dev/stdout.csv"),
    (["check", "--preset", "cluster-vs-sha", "--format", "csv", "-o", "/dev/null"], "/dev/null"),
    (["export", "css_2012", "-o", "/dev/shm/x.csv"], "/dev/shm/x.csv"),
    (["crosswalk", "pct_2011", "ccg_2013", "-o", "/proc/self/x.csv"], "/proc/self/x.csv"),
    (["export", "css_2012", "-o", "/sys/x.csv"], "/sys/x.csv"),
    (["map", "-o", "/dev/maps"], "/dev/maps"),
    (["advise", "--units", "pct_cluster_2011", "--floor", "750000", "-o", "/dev/a.yaml"], "/dev/a.yaml"),
])
@pytest.mark.integration
def test_nothing_is_written_under_dev_proc_sys(env, capsys, argv, words):
    before = sorted(os.listdir("/dev"))
    shm = sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else []
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, words, "folder of the operating system")
    assert sorted(os.listdir("/dev")) == before
    assert (sorted(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else []) == shm


@pytest.mark.integration
def test_a_link_to_a_device_is_refused(env, capsys):
    link = env["work"] / "null.csv"
    link.symlink_to("/dev/null")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "export", "css_2012", "-o", str(link))
    assert_one_line(err, code, 2, "/dev/null", "folder of the operating system")
    assert link.is_symlink()


@pytest.mark.integration
def test_stdout_as_output_is_a_stream_never_replaced(tmp_path, mirror):
    """`-o /dev/stdout` (and a link to the stdout) with stdout redirected to a file: the CSV goes into that file
    as a stream; neither /dev/stdout nor the link is replaced, and the 'wrote' line goes to stderr."""
    link = tmp_path / "so"
    link.symlink_to("/proc/self/fd/1")
    dev_before = _digest(Path("/dev/stdout"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), settings.MIRROR_ENV: str(mirror)}
    for target in ("/dev/stdout", str(link)):
        out = tmp_path / "out.csv"
        with open(out, "wb") as f:
            res = subprocess.run([sys.executable, "-m", "commissioning_atlas", "check", "--preset", "cluster-vs-sha",
                                  "--format", "csv", "-o", target, "--quiet"], stdout=f, stderr=subprocess.PIPE,
                                 text=False, timeout=600, env=env)
        err = res.stderr.decode()
        assert res.returncode == 1 and "Traceback" not in err, err  # 1: the check has findings
        rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert rows[0][:3] == ["rule", "subject_layer", "subject_code"] and len(rows) > 10
        assert err.strip() == f"wrote {len(rows) - 1} rows (4 warning, {len(rows) - 5} info) to {target}"
        assert _digest(Path("/dev/stdout")) == dev_before and os.readlink(link) == "/proc/self/fd/1"


# 2. outputs that are inputs, package files or other layers
@pytest.mark.integration
def test_apportion_never_writes_over_its_data(env, capsys, atlas):
    data = _apportion_table(atlas, env["work"] / "d.csv")
    for target in (str(data), "d.csv", "./d.csv"):
        with unchanged(env["tmp"]):
            code, _, err = run(capsys, "apportion", str(data), *APPORTION, "-o", target)
        assert_one_line(err, code, 2, "is an input of this run")


@pytest.mark.integration
def test_advise_compare_plan_is_an_input(env, capsys):
    """`advise --compare X -o X` is refused before any work: X is read by the run."""
    plan = env["work"] / "plan.yaml"
    plan.write_text("- {code: A, name: a, members: CL01 CL02}\n")
    for opt in ("--compare", "--fix", "--closest-to"):
        with unchanged(env["tmp"]), deadline(60):
            code, _, err = run(capsys, "advise", "--units", "pct_cluster_2011", "--floor", "750000", opt, str(plan),
                               "-o", str(plan))
        assert_one_line(err, code, 2, "plan.yaml", "is an input of this run")


@pytest.mark.parametrize("argv", [
    ["check", "--preset", "cluster-vs-sha", "--format", "csv", "-o", str(PKG / "data/layers.toml")],
    ["export", "css_2012", "-o", str(PKG / "maps/assets/x.csv")],
    ["export", "css_2012", "-o", str(PKG / "cli/new.gpkg")],
    ["crosswalk", "pct_2011", "ccg_2013", "-o", str(PKG / "x.md")],
    ["apportion", "DATA", *APPORTION, "-o", str(PKG / "data/x.csv")],
    ["advise", "--units", "pct_cluster_2011", "--floor", "750000", "-o", str(PKG / "advise/x.yaml")],
    ["map", "-o", str(PKG / "maps")],
])
@pytest.mark.integration
def test_no_output_is_a_package_file(env, capsys, atlas, argv):
    argv = [str(_apportion_table(atlas, env["work"] / "d.csv")) if a == "DATA" else a for a in argv]
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv)
    assert_one_line(err, code, 2, "commissioning_atlas")
    assert "is a file of the commissioning_atlas package" in err or "is in the project's tables" in err


@pytest.mark.integration
def test_crosswalk_geopackage_keeps_the_other_layers(env, capsys):
    gp = env["work"] / "multi.gpkg"
    assert run(capsys, "export", "pct_2011", "-o", str(gp))[0] == 0
    assert run(capsys, "export", "css_2012", "-o", str(gp))[0] == 0
    code, out, err = run(capsys, "crosswalk", "pct_2011", "ccg_2013", "-o", str(gp))
    assert code == 0 and err == "" and "its other layers kept: css_2012, pct_2011" in out
    assert sorted(pyogrio.list_layers(gp)[:, 0]) == ["crosswalk", "css_2012", "pct_2011"]
    assert len(pyogrio.read_dataframe(gp, layer="pct_2011")) == 151
    assert len(pyogrio.read_dataframe(gp, layer="crosswalk", read_geometry=False)) == 239


@pytest.mark.integration
def test_crosswalk_refuses_a_gpkg_that_is_not_one(env, capsys):
    gp = env["work"] / "notes.gpkg"
    gp.write_text("my notes")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "crosswalk", "pct_2011", "ccg_2013", "-o", str(gp))
    assert_one_line(err, code, 2, "notes.gpkg", "is not a GeoPackage")


# 3. silently wrong numbers
@pytest.mark.integration
@pytest.mark.parametrize("column", ["population", "to_code", "to_name", "share_covered", "basis"])
def test_apportion_column_that_would_be_overwritten(env, capsys, atlas, column):
    data = _apportion_table(atlas, env["work"] / "d.csv", {column: 1000})
    kind = "--rates" if column == "share_covered" else "--counts"
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "apportion", str(data), "--code-column", "pct", "--from", "pct_2011", "--to",
                           "ccg_2013", kind, column, "-o", "out.csv")
    assert_one_line(err, code, 2, "d.csv", f"column {column!r}", "would be overwritten")


@pytest.mark.integration
def test_apportion_onto_an_overlapping_set_is_refused(env, capsys, atlas):
    data = _apportion_table(atlas, env["work"] / "d.csv")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "apportion", str(data), "--code-column", "pct", "--from", "pct_2011", "--to",
                           "css_2012", "--counts", "deaths", "-o", "out.csv")
    assert_one_line(err, code, 2, "css_2012", "overlap")


@pytest.mark.integration
def test_crosswalk_onto_an_overlapping_set_says_so(env, capsys):
    code, out, err = run(capsys, "crosswalk", "pct_2011", "css_2012", "-o", "cw.json")
    assert code == 0 and err == ""
    meta = json.loads((env["work"] / "cw.json").read_text())
    assert meta["to_overlapping_lsoas"] > 0 and "The css_2012 units overlap" in meta["statement"]
    assert "The css_2012 units overlap" in out


@pytest.mark.integration
def test_advise_within_a_layer_the_units_do_not_nest_in(env, capsys):
    code, out, err = run(capsys, "advise", "--units", "ccg_2013", "--floor", "250000", "--within",
                         "pct_cluster_2011", "--time-limit", "20", "--no-count", "-o", "w.yaml")
    assert code == 0 and err == "", err
    note = "ccg_2013 units do not nest in pct_cluster_2011: 10 of 211 have people outside"
    assert note in out and "up to 161,148: E38000144" in out
    import yaml

    doc = yaml.safe_load((env["work"] / "w.yaml").read_text())
    assert note in doc["description"]  # the note travels with the advice


# 4. advise reads a plan file naming units of a layer the run has not built yet
@pytest.mark.integration
def test_advise_plan_files_resolve_in_a_fresh_run(tmp_path, mirror):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), settings.MIRROR_ENV: str(mirror)}
    base = [sys.executable, "-m", "commissioning_atlas", "advise", "--units", "pct_cluster_2011", "--floor", "750000",
            "--within", "sha_2011", "--time-limit", "120", "--no-count", "--quiet"]
    css = str(GEO / "css_2012.csv")
    first = tmp_path / "a.yaml"
    res = subprocess.run(base + ["--closest-to", css, "--compare", css, "-o", str(first)], capture_output=True,
                         text=True, timeout=600, env=env)
    assert res.returncode == 0 and "error" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    # before: "unknown unit code 'CL01'; use PCT cluster codes CL01-CL50"
    assert "groups kept from css_2012.csv: " in res.stdout and "real   css_2012.csv: 42 groups" in res.stdout
    res = subprocess.run(base + ["--fix", str(first), "--compare", str(first), "-o", str(tmp_path / "b.yaml")],
                         capture_output=True, text=True, timeout=600, env=env)
    assert res.returncode == 0 and "error" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert "41 identical, ARI 1.000" in res.stdout  # its own output, every group kept as fixed


# 6. the one reader: what a file that is not text is, said in one line
@pytest.mark.parametrize("name, data, words", [
    ("d.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "is a gzip archive"),
    ("d.csv", b"PK\x03\x04" + b"\x00" * 26 + b"xl/workbook.xml", "is an Excel workbook (.xlsx)"),
    ("d.csv", "pct,deaths\n5A3,1\n".encode("utf-16"), "is UTF-16 text"),
    ("d.csv", "pct,deaths\n5A3,1\n".encode("utf-16-le"), "UTF-16 text (without a byte order mark)"),
    ("d.csv", "pct,deaths\n5A3,caf\u00e9\n".encode("cp1252"), "not UTF-8 text (line 2"),
    ("d.csv", b"pct,deaths,pct\n5A3,1,2\n", "column appears twice in the header (columns 1 and 3)"),
    ("d.csv", b"pct,,deaths\n5A3,1,2\n", "empty column name in the header (column 2)"),
    ("d.csv", b"", "empty file"),
    ("d.csv", b"pct,deaths\n5A3,1,2\n", "malformed CSV: 3 fields where the header has 2"),
])
@pytest.mark.integration
def test_apportion_data_through_the_one_reader(env, capsys, name, data, words):
    p = env["work"] / name
    p.write_bytes(data)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "apportion", str(p), *APPORTION, "-o", "out.csv")
    assert_one_line(err, code, 2, name, words)


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["folder", "fifo", "dev-zero", "dangling", "too-large"])
def test_apportion_data_that_is_not_a_file(env, capsys, kind):
    p = env["work"] / "d.csv"
    if kind == "folder":
        p.mkdir()
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "dev-zero":
        p = Path("/dev/zero")
    elif kind == "dangling":
        p.symlink_to(env["work"] / "gone.csv")
    else:
        with open(p, "wb") as f:
            f.truncate(5_000_001)
    words = {"folder": "is a folder", "fifo": "not a regular file", "dev-zero": "not a regular file",
             "dangling": "no such file", "too-large": "file too large"}[kind]
    with unchanged(env["tmp"]), deadline(30):
        code, _, err = run(capsys, "apportion", str(p), *APPORTION, "-o", "out.csv")
    assert_one_line(err, code, 2, words)


@pytest.mark.parametrize("data, words", [
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "is a gzip archive"),
    ("- {code: A}\n".encode("utf-16"), "is UTF-16 text"),
    (b"PK\x03\x04" + b"\x00" * 40, "is a ZIP archive"),
])
@pytest.mark.integration
@pytest.mark.parametrize("opt", ["--fix", "--closest-to", "--compare"])
def test_advise_plans_through_the_one_reader(env, capsys, data, words, opt):
    p = env["work"] / "plan.yaml"
    p.write_bytes(data)
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "advise", "--units", "pct_cluster_2011", "--floor", "750000", "--within",
                           "sha_2011", "--time-limit", "5", "--no-count", opt, str(p), "-o", "out.yaml")
    assert_one_line(err, code, 2, "plan.yaml", words)
    assert not (env["work"] / "out.yaml").exists()


@pytest.mark.integration
def test_scenario_that_is_an_excel_workbook(env, capsys):
    p = env["work"] / "s.csv"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 26 + b"[Content_Types].xml xl/worksheets/sheet1.xml")
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(p))
    assert_one_line(err, code, 2, "s.csv", "is an Excel workbook (.xlsx), not text; save the sheet as CSV")


# 5. an interrupt is not a result
def _hard_model(n: int = 60):
    """A CP-SAT model that takes far longer than a second to prove (a large subset-sum)."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    xs = [m.NewBoolVar(f"x{i}") for i in range(n)]
    w = [(i * 7919) % 100_003 + 50_000 for i in range(n)]
    m.Add(sum(wi * x for wi, x in zip(w, xs)) <= sum(w) // 2 - 1)
    m.Maximize(sum(wi * x for wi, x in zip(w, xs)) + sum((i % 5) * x for i, x in enumerate(xs)))
    return m


def test_ctrl_c_stops_the_solver_and_the_run():
    """CP-SAT's own SIGINT handler would return its best plan as if cut by the time limit; ours re-raises."""
    import threading
    import time

    from ortools.sat.python import cp_model

    from commissioning_atlas.advise.maxp import _solve

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 120
    solver.parameters.num_workers = 1
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    t0 = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        _solve(solver, _hard_model())
    assert time.perf_counter() - t0 < 30  # stopped, not run to the time limit


def test_ctrl_c_during_advise_is_exit_130_and_writes_nothing(tmp_path, monkeypatch, capsys):
    from commissioning_atlas.cli import commands

    def fake_advise(args):
        from commissioning_atlas.advise.maxp import _solve
        from ortools.sat.python import cp_model

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 120
        import threading

        threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        _solve(solver, _hard_model())
        (tmp_path / "a.yaml").write_text("written after the solve")

    monkeypatch.setattr(commands, "cmd_advise", fake_advise)
    code = cli.main(["advise", "--units", "pct_cluster_2011", "--floor", "750000", "-o", str(tmp_path / "a.yaml")])
    err = capsys.readouterr().err
    assert_one_line(err, code, 130, "interrupted")
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_map_leaves_no_staging_folder(tmp_path, monkeypatch, capsys):
    """SIGTERM unwinds like Ctrl-C: the staged folder is removed, the earlier output kept, exit 143."""
    import time

    from commissioning_atlas.cli import commands
    from commissioning_atlas.io import safe as safe_io

    out = tmp_path / "maps"
    out.mkdir()
    (out / "index.html").write_text("earlier map")

    def fake_map(args):
        with safe_io.staged_folder(args.output) as stage:
            (stage / "index.html").write_text("half a new map")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)

    monkeypatch.setattr(commands, "cmd_map", fake_map)
    code = cli.main(["map", "-o", str(out)])
    assert_one_line(capsys.readouterr().err, code, 143, "terminated")
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert (out / "index.html").read_text() == "earlier map"


def test_stale_staging_folders_are_swept(tmp_path):
    """A staging folder whose run is gone (killed with SIGKILL) is removed by the next run; a live run's is kept."""
    from commissioning_atlas.io import safe as safe_io

    out = tmp_path / "maps"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = out / f".staging-{dead.pid}-abc"
    (stale / "sub").mkdir(parents=True)
    live = out / f".staging-{os.getppid()}-def"
    live.mkdir()
    with safe_io.staged_folder(out) as stage:
        (stage / "index.html").write_text("new")
    assert not stale.exists() and live.exists()
    assert sorted(p.name for p in out.iterdir()) == [live.name, "index.html"]


# 7. a damaged package file: exit 3 in one line, never a traceback and exit 1
@pytest.mark.parametrize("rel, text, words", [
    ("data/layers.toml", "code,name\nCL01,a\n", "layers.toml: a file of the package is damaged (not valid TOML"),
    ("cli/commands.py", "def broken(:\n", "the commissioning_atlas package cannot be loaded (SyntaxError"),
    ("io/safe.py", "raise RuntimeError('cut short')\n", "cannot be loaded (RuntimeError: cut short)"),
])
@pytest.mark.parametrize("entry", [["-m", "commissioning_atlas"], ["-m", "commissioning_atlas.cli"]])
def test_damaged_package_file_is_exit_3_in_one_line(tmp_path, rel, text, words, entry):
    """A copy of the package with one file overwritten (as `check -o layers.toml` once did)."""
    import shutil

    # with its compiled modules (the copy starts as fast as the package); the damaged file's no longer match
    # its source (size and time differ), so Python reads the damaged source
    shutil.copytree(PKG, tmp_path / "commissioning_atlas")
    (tmp_path / "commissioning_atlas" / rel).write_text(text)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), settings.CACHE_ENV: str(tmp_path / "cache")}
    res = subprocess.run([sys.executable, *entry, "layers", "--quiet"], capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 3 and "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("internal error: ") and words in lines[0], res.stderr
    assert not (tmp_path / "cache").exists()  # nothing was built or written


# ------------------------------------------------- every documented limit holds at its edge

def _limit_file(work: Path, kind: str, n: int, ccgs: list[str]) -> Path:
    """A scenario of ``n`` of ``kind`` (organisations, units in one organisation, YAML levels, bytes)."""
    path = work / f"{kind}-{n}.yaml"
    if kind == "organisations":  # 211 CCGs of 2013, each at most 5 times over (the overlap cap)
        rows = [f"- {{code: O{i}, name: o{i}, members: {ccgs[i % len(ccgs)]}}}" for i in range(n)]
        path.write_text("exclusive: false\norganisations:\n" + "\n".join(rows) + "\n")
    elif kind == "units":  # no vintage has 500 units, so codes repeat: refused for that, not for the count
        path.write_text("organisations:\n- {code: A, name: a, members: [" + ", ".join((ccgs * 3)[:n]) + "]}\n")
    elif kind == "levels":  # mapping, list, mapping, then n - 3 nested lists in an extra key
        path.write_text("organisations:\n- {code: A, name: a, members: [CL01], note: "
                        + "[" * (n - 3) + "x" + "]" * (n - 3) + "}\n")
    elif kind == "overlap":  # n organisations of all England: its PCTs n times over
        shas = "[" + ", ".join(f"E180000{i:02d}" for i in range(1, 11)) + "]"
        path.write_text("exclusive: false\norganisations:\n" +
                        "".join(f"- {{code: O{i}, name: all of England {i}, members: {shas}}}\n" for i in range(n)))
    else:  # bytes: a valid scenario padded with a comment to exactly n bytes
        head = "organisations:\n- {code: A, name: a, members: [CL01]}\n#"
        path.write_text(head + "x" * (n - len(head) - 1) + "\n")
        assert path.stat().st_size == n
    return path


@pytest.mark.integration
@pytest.mark.parametrize("kind, n, refused", [
    ("organisations", 1000, None),
    ("organisations", 1001, "too many organisations"),
    ("units", 500, "listed twice"),
    ("units", 501, "too many unit codes"),
    ("levels", 16, "expected a list of codes, found a nested value"),
    ("levels", 17, "nested more than 16 levels deep"),
    ("overlap", 5, None),
    ("overlap", 6, "overlap too much"),
    ("bytes", 5_000_000, None),
    ("bytes", 5_000_001, "file too large"),
])
def test_scenario_limits_at_their_edge(env, capsys, warm, kind, n, refused):
    """The README's limits (1,000 organisations of 500 units, 5 times over, 16 levels, 5 MB): the limit passes its
    guard, one past it is refused in one line naming the limit."""
    ccgs = sorted(warm.layer("ccg_2013")["code"])
    s = _limit_file(env["work"], kind, n, ccgs)
    with unchanged(env["tmp"]), deadline(120):
        code, out, err = run(capsys, "check", "--preset", "proposal-vs-cluster", "--scenario", str(s))
    if refused is None:
        assert code in (0, 1) and err == "", err
        assert "rows:" in out
    else:
        line = assert_one_line(err, code, 2, s.name, refused)
        if n in (500, 16):  # at the limit the count guard lets it through; a later rule refuses it
            assert "too many" not in line and "nested more than" not in line


PLAN = ["plan", "--units", "pct_2011", "--start", "empty"]
ADVISE = ["advise", "--units", "pct_cluster_2011", "--within", "sha_2011", "--no-count"]
CHECK = ["check", "--preset", "cluster-vs-sha", "--rule", "crosses"]
SPLITS = ["check", "--preset", "icb-2026-vs-councils", "--rule", "splits"]


@pytest.mark.integration
@pytest.mark.parametrize("argv, out, refused", [
    (PLAN + ["--simplify", "5000"], "p.html", None),
    (PLAN + ["--simplify", "5000.001"], "p.html", "--simplify must be between 0 and 5000 metres, got 5000"),
    (PLAN + ["--simplify", "0"], "p.html", None),
    (PLAN + ["--simplify", "-0.001"], "p.html", "--simplify must be between 0 and 5000 metres, got -0.001"),
    (PLAN + ["--simplify", "nan"], "p.html", "--simplify must be between 0 and 5000 metres, got nan"),
    (["map", "--simplify", "5000.001"], "maps", "--simplify must be between 0 and 5000 metres"),
    (["map", "--simplify", "-1"], "maps", "--simplify must be between 0 and 5000 metres"),
    (ADVISE + ["--floor", "1"], "a.yaml", None),
    (ADVISE + ["--floor", "0"], "a.yaml", "--floor must be a positive number of people, got 0"),
    (ADVISE + ["--floor", "inf"], "a.yaml", "floor must be a positive number of people, got inf"),
    (ADVISE + ["--floor", "750000", "--time-limit", "0.001"], "a.yaml", None),
    (ADVISE + ["--floor", "750000", "--time-limit", "0"], "a.yaml", "--time-limit must be positive, got 0"),
    (ADVISE + ["--floor", "750000", "--tolerance", "0.4999"], "a.yaml", None),
    (ADVISE + ["--floor", "750000", "--tolerance", "0.5"], "a.yaml", "--tolerance must be a share between 0 and 0.5"),
    (CHECK + ["--tolerance", "0"], "c.csv", None),
    (CHECK + ["--tolerance", "0.4999"], "c.csv", None),
    (CHECK + ["--tolerance", "0.5"], "c.csv", "--tolerance must be a share between 0 and 0.5, got 0.5"),
    (CHECK + ["--tolerance", "-0.001"], "c.csv", "--tolerance must be a share between 0 and 0.5"),
    (SPLITS + ["--split-share", "0"], "c.csv", None),
    (SPLITS + ["--split-share", "0.4999"], "c.csv", None),
    (SPLITS + ["--split-share", "0.5"], "c.csv", "the split share must be between 0 and 0.5, got 0.5"),
    (SPLITS + ["--split-share", "-0.001"], "c.csv", "the split share must be between 0 and 0.5"),
    (SPLITS + ["--split-people", "0"], "c.csv", None),
    (SPLITS + ["--split-people", "-1"], "c.csv", "the minimum number of people must not be negative, got -1"),
])
def test_option_limits_at_their_edge(env, capsys, argv, out, refused):
    """Every numeric limit --help states: the limit is accepted (and writes its output), one step past it is
    refused in one line with exit 2 and nothing written."""
    target = env["work"] / out
    if refused is None:
        code, _, err = run(capsys, *argv, "-o", str(target))
        assert code in (0, 1) and "error" not in err, err
        assert target.exists() and (target.is_dir() or target.stat().st_size > 0)
        return
    with unchanged(env["tmp"]):
        code, _, err = run(capsys, *argv, "-o", str(target))
    assert_one_line(err, code, 2, refused)
    assert not target.exists()


# ------------------------------------- every command's terminal output fits a non-UTF-8 stream

NAME = "Ynys Môn – “q” 中"  # in the paths a command names, so that every message carries it


def _streams_case(env, warm, case: str) -> tuple[list[str], tuple[int, ...]]:
    work = env["work"]
    d = work / NAME
    d.mkdir()
    if case == "layers":
        return ["layers", "--era", "2011"], (0,)
    if case == "export":
        return ["export", "css_2012", "-o", str(d / "x.csv")], (0,)
    if case == "export-error":
        return ["export", "css_2012", "-o", str(d / "missing" / "x.csv")], (2,)
    if case == "crosswalk":
        return ["crosswalk", "pct_2011", "ccg_2013", "-o", str(d / "cw.csv")], (0,)
    if case == "crosswalk-stdout":
        return ["crosswalk", "pct_2011", "ccg_2013"], (0,)
    if case == "apportion":
        data = _apportion_table(warm, d / "d.csv")
        return ["apportion", str(data), *APPORTION, "-o", str(d / "a.csv")], (0,)
    if case == "apportion-error":
        (d / "bad.csv").write_text("pct,deaths\nnot-a-pct,1\n")
        return ["apportion", str(d / "bad.csv"), *APPORTION, "-o", str(d / "a.csv")], (2,)
    if case == "advise":
        return ["advise", "--units", "pct_cluster_2011", "--within", "sha_2011", "--floor", "750000",
                "--no-count", "-o", str(d / "a.yaml")], (0,)
    if case == "plan":
        return ["plan", "--units", "pct_2011", "--start", "empty", "-o", str(d / "p.html")], (0,)
    if case == "fetch-error":
        return ["fetch", "--mirror", str(d / "no-mirror")], (2,)
    if case == "scenario-error":
        s = _scenario(d / "s.csv", [["A", NAME, "CL99"]])
        return ["check", "--preset", "proposal-vs-cluster", "--scenario", str(s)], (2,)
    if case == "usage-error":
        return ["check", "--format", NAME], (2,)
    raise AssertionError(case)


@pytest.mark.integration
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("case", ["layers", "export", "export-error", "crosswalk", "crosswalk-stdout", "apportion",
                                  "apportion-error", "advise", "plan", "fetch-error", "scenario-error",
                                  "usage-error"])
def test_every_command_fits_the_stream_encoding(env, capsys, warm, monkeypatch, encoding, case):
    """As `check`'s table does: stdout and stderr that cannot encode a character get an ASCII stand-in for it,
    never a UnicodeEncodeError, and the run ends with its usual exit code."""
    argv, codes = _streams_case(env, warm, case)
    bufs = {"stdout": io.BytesIO(), "stderr": io.BytesIO()}
    for name, buf in bufs.items():
        monkeypatch.setattr(sys, name, io.TextIOWrapper(buf, encoding=encoding, errors="strict", newline=""))
    try:
        code = cli.main([*argv, "--quiet"])
    except SystemExit as exc:  # a usage error
        code = exc.code
    sys.stdout.flush()
    sys.stderr.flush()
    out, err = (bufs[n].getvalue().decode(encoding) for n in ("stdout", "stderr"))
    assert code in codes, (out, err)
    assert "Traceback" not in err and "UnicodeEncodeError" not in err and "internal error" not in err, err
    if code == 2:
        assert len(err.splitlines()) == 1 and "Ynys M" in err, err
    else:
        assert out.strip() or err.strip()
        if "-o" in argv:  # the message names the output, with stand-ins for what the stream cannot show
            assert "Ynys M" in out + err, (out, err)
