"""The per-layer cache: damaged files are found and rebuilt, temporaries of killed runs are swept, files
follow the umask."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import subprocess
import sys

import pytest

import commissioning_atlas as ca
from commissioning_atlas.build import context as L
from commissioning_atlas import settings
from commissioning_atlas.build.cache import LayerCache

pytestmark = pytest.mark.integration


@pytest.fixture
def cache(atlas, tmp_path, monkeypatch):
    """A private copy of the session cache (hard links: cheap), behind $COMMISSIONING_ATLAS_CACHE."""
    src = atlas.ctx.cache.folder
    dst = tmp_path / "cache"
    (dst / "layers").mkdir(parents=True)
    for p in src.iterdir():
        if p.name.startswith(".tmp-"):
            continue  # another worker's write in progress (renamed into place, or swept, any moment)
        try:
            os.link(p, dst / "layers" / p.name)
        except FileNotFoundError:
            continue  # a temporary renamed between listing and linking
    os.symlink(src.parent / "upstream", dst / "upstream")
    monkeypatch.setenv(settings.CACHE_ENV, str(dst))
    return dst


def _entry(cache, atlas, lid, suffix):
    path = cache / "layers" / f"{lid}-{atlas.ctx.layer_key(lid)}{suffix}"
    data = path.read_bytes()
    path.unlink()  # break the hard link before changing the file
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "manifest"])
def test_a_damaged_layer_is_reported_in_one_line_and_rebuilt(atlas, cache, mirror, caplog, damage):
    """A damaged cache entry is one warning (the CLI prints it on stderr), then rebuilt and repaired on disk."""
    lid = "pct_cluster_2011"
    if damage == "manifest":
        target = _entry(cache, atlas, lid, ".json")
        target.write_text('{"key": "', encoding="utf-8")
    else:
        target = _entry(cache, atlas, lid, ".gpkg")
        data = target.read_bytes()
        target.write_bytes({"truncate": data[: len(data) // 3], "garble": data[:100] + b"\xff" * 4096 + data[4196:],
                            "empty": b""}[damage])
    with caplog.at_level(logging.WARNING, logger="commissioning_atlas"):
        fresh = ca.load(mirror=mirror, progress=False)
        assert len(fresh.layer(lid)) == 50
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].startswith("warning: cache file") and "rebuilding it" in lines[0], lines
    assert "\n" not in lines[0]
    again = LayerCache(cache / "layers").read(lid, atlas.ctx.layer_key(lid))
    assert again is not None and len(again[0]) == 50  # repaired on disk


def test_temporaries_of_dead_runs_are_swept_and_live_ones_kept(cache):
    layers = cache / "layers"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = layers / f".tmp-{int(dead.stdout)}-1.gpkg"
    live = layers / f".tmp-{os.getpid()}-2.gpkg"
    legacy = cache / "atlas.gpkg"
    for p in (stale, live, legacy):
        p.write_bytes(b"x" * 1000)
    LayerCache(layers).sweep()
    assert not stale.exists() and not legacy.exists() and live.exists()


def test_cache_files_follow_the_umask(cache, atlas, mirror):
    old = os.umask(0o022)
    try:
        lid = "sha_cluster_2011"
        for p in (cache / "layers").glob(f"{lid}-*"):
            p.unlink()
        fresh = ca.load(mirror=mirror, progress=False)
        fresh.layer(lid)
        written = list((cache / "layers").glob(f"{lid}-*"))
        assert {p.suffix for p in written} == {".gpkg", ".npy", ".json"}
        for p in written:
            assert stat.S_IMODE(p.stat().st_mode) == 0o644, p
    finally:
        os.umask(old)


def test_a_layer_build_leaves_no_temporaries(cache):
    assert not [p for p in (cache / "layers").iterdir() if p.name.startswith(".tmp-")]
    assert shutil.which  # the folder is whole: every entry has its manifest
    stems = {p.name.rsplit(".", 1)[0] for p in (cache / "layers").iterdir()}
    for s in stems:
        assert (cache / "layers" / f"{s}.json").exists(), s


def test_build_version_is_part_of_every_key(atlas, monkeypatch):
    key = atlas.ctx.layer_key("ccg_2019")
    monkeypatch.setattr(L, "BUILD_VERSION", L.BUILD_VERSION + "x")
    assert atlas.ctx.layer_key("ccg_2019") != key
