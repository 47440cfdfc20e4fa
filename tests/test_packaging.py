"""Installable: ``pip install .`` (not editable) into a fresh virtual environment, then the CLI run from a folder
outside the checkout finds its tables and declarations in the installed package and reports the package's version.

The environment sees the system's site-packages (geopandas and the rest are not reinstalled); the installed copy
comes first on its path, which the tests assert, so nothing is read from this checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from commissioning_atlas import registry, settings

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with this checkout installed by ``pip install .``; its python, CLI, a foreign folder
    and an environment naming the shared cache and no checkout (the one test that reads data adds the mirror).
    Needs no real data, so under pytest-xdist it is made while the other worker builds England."""
    base = tmp_path_factory.mktemp("packaging")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    res = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                         capture_output=True, text=True, timeout=1200, cwd=base)
    assert res.returncode == 0, res.stderr[-2000:]
    foreign = base / "elsewhere"
    foreign.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", settings.DATA_ENV, settings.DECLARATIONS_ENV)}
    env[settings.CACHE_ENV] = str(settings.cache_dir())  # the shared cache (warm once `mirror` returns)
    env["HOME"] = str(base / "home")
    return {"python": py, "cli": venv / "bin" / "commissioning-atlas", "cwd": foreign, "env": env, "venv": venv}


def _run(installed, *args: str, cli: bool = True, env: dict | None = None) -> str:
    cmd = [str(installed["cli"] if cli else installed["python"]), *args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env or installed["env"], cwd=installed["cwd"],
                         timeout=1200)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout


_WHERE = """
import json, importlib.metadata as md, importlib.resources as ir
import commissioning_atlas as ca
from commissioning_atlas import registry, settings
data = ir.files("commissioning_atlas") / "data"
print(json.dumps({"module": ca.__file__, "version": ca.__version__, "metadata": md.version("commissioning-atlas"),
                  "data": str(settings.data_dir()), "geo": str(settings.geo_dir()), "checkout": settings.checkout_root(),
                  "declared": {n: (data / n).read_text(encoding="utf-8") for n in registry.FILES},
                  "tables": sorted(p.name for p in (data / "geo").iterdir() if p.name.endswith(".csv")),
                  "sets": {k: str(s.path) for k, s in registry.footprint_sets().items()}}))
"""


def test_the_installed_package_reads_its_own_tables_and_declarations(installed):
    got = json.loads(_run(installed, "-c", _WHERE, cli=False))
    site = str(installed["venv"])
    assert got["module"].startswith(site) and got["data"].startswith(site) and got["checkout"] is None
    for name in registry.FILES:  # the declarations shipped are this checkout's, byte for byte
        assert got["declared"][name] == (settings.package_data() / name).read_text(encoding="utf-8")
    assert got["tables"] == sorted(p.name for p in settings.geo_dir().glob("*.csv"))
    assert all(p.startswith(got["geo"]) and Path(p).is_file() for p in got["sets"].values())
    assert got["version"] == got["metadata"]


def test_outside_a_checkout_the_cache_defaults_to_the_users_cache_folder(installed):
    env = {k: v for k, v in installed["env"].items() if k not in (settings.CACHE_ENV, "XDG_CACHE_HOME")}
    where = _run(installed, "-c", "from commissioning_atlas import settings; print(settings.cache_dir())", cli=False,
                 env=env)
    assert where.strip() == str(Path(env["HOME"]) / ".cache" / "commissioning-atlas")


def test_version_is_the_package_metadata(installed):
    meta = _run(installed, "-c", "import importlib.metadata as m; print(m.version('commissioning-atlas'))", cli=False)
    assert _run(installed, "--version").split() == ["commissioning-atlas", meta.strip()]


@pytest.mark.integration
def test_cli_lists_presets_and_layers_from_a_foreign_folder(installed, mirror):
    """The installed CLI, run outside the checkout, lists the declared presets and every layer with its
    England figures (read through the mirror and the shared cache)."""
    env = {**installed["env"], settings.MIRROR_ENV: str(mirror)}
    presets = _run(installed, "check", "--list-presets", env=env).splitlines()
    assert [ln.split()[0] for ln in presets] == list(registry.presets())
    listing = _run(installed, "layers", "--quiet", env=env)
    ids = [ln.split()[0] for ln in listing.splitlines() if ln and not ln.startswith(("==", "layer ", "bases:"))]
    assert ids[0] == "lsoa_2011" and set(ids) == set(registry.registry()) | set(registry.footprint_sets())
    assert "icb_merger_2027     proposed for 1 April 2027               26  56,490,046  census_2021" in listing
    assert listing.rstrip().splitlines()[-1].startswith("bases: census_2011 = Census 2011 usual residents")
