"""Configuration in one place: where the project, its tables and its cache live.

Every path can be overridden with an environment variable, so tests and
notebooks can point the tool at other data without touching code.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

#: Environment variable naming a local mirror of the pinned upstream files
#: (laid out as ``<repository>/<path>``, like ``../shared/data/upstream``).
MIRROR_ENV = "COMMISSIONING_ATLAS_MIRROR"
#: Environment variable naming a folder laid out like the package's ``data/`` (``geo/``, ``sources.toml``):
#: tables and catalogue of one's own, for tests and forks.
DATA_ENV = "COMMISSIONING_ATLAS_DATA"
#: Environment variable naming a folder of declarations of one's own (``layers.toml``, ``footprints.toml``,
#: ``presets.toml``, ``maps.toml``, ``timeline.toml``, any of them): read after the package's, adding to them.
DECLARATIONS_ENV = "COMMISSIONING_ATLAS_DECLARATIONS"
#: Environment variable overriding the cache directory.
CACHE_ENV = "COMMISSIONING_ATLAS_CACHE"

#: Working CRS: British National Grid, metres.
CRS = "EPSG:27700"
#: Output CRS for GeoJSON and web maps.
WEB_CRS = "EPSG:4326"
#: Grid (metres) that LSOA vertices are snapped to before building the coverage.
SNAP_GRID_M = 0.001
#: Largest gap or overlap (m^2) between neighbours that a clean coverage may keep.
COVERAGE_TOLERANCE_M2 = 1.0


def package_data() -> Path:
    """Return the package's own ``data/`` folder: declarations, ``geo/`` tables, the source catalogue."""
    return Path(str(resources.files("commissioning_atlas") / "data"))


def data_dir() -> Path:
    """Return the folder of tables and catalogue in use: ``$COMMISSIONING_ATLAS_DATA`` or the package's."""
    env = os.environ.get(DATA_ENV)
    return Path(env).resolve() if env else package_data()


def declarations_dir() -> Path | None:
    """Return the folder of extra declarations (``$COMMISSIONING_ATLAS_DECLARATIONS``), or None."""
    env = os.environ.get(DECLARATIONS_ENV)
    return Path(env).resolve() if env else None


def geo_dir() -> Path:
    """Return the folder of project-authored tables (memberships, proposals), each row with its source."""
    return data_dir() / "geo"


def catalogue_path() -> Path:
    """Return the boundary-source catalogue (pinned URL and sha256 of every upstream file)."""
    return data_dir() / "sources.toml"


def checkout_root() -> Path | None:
    """Return the source checkout the package runs from (editable install or ``PYTHONPATH=src``), or None."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "commissioning_atlas").is_dir() else None


def cache_dir() -> Path:
    """Return the cache folder: ``$COMMISSIONING_ATLAS_CACHE``, else ``boundaries/cache`` of the checkout the
    package runs from, else the user's cache folder (``platformdirs``)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).resolve()
    root = checkout_root()
    if root is not None:
        return root / "boundaries" / "cache"
    return Path(platformdirs.user_cache_dir("commissioning-atlas", appauthor=False))


def default_mirror() -> Path | None:
    """Return the mirror folder from ``$COMMISSIONING_ATLAS_MIRROR``, or None."""
    env = os.environ.get(MIRROR_ENV)
    return Path(env).resolve() if env else None
