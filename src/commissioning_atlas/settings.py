"""Configuration in one place: where the project, its tables and its cache live.

Every path can be overridden with an environment variable, so tests and
notebooks can point the tool at other data without touching code.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Environment variable naming a local mirror of the pinned upstream files
#: (laid out as ``<repository>/<path>``, like ``../shared/data/upstream``).
MIRROR_ENV = "COMMISSIONING_ATLAS_MIRROR"
#: Environment variable overriding the project root (where ``geo/`` and ``boundaries/`` live).
HOME_ENV = "COMMISSIONING_ATLAS_HOME"
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


def project_root() -> Path:
    """Return the project root: ``$COMMISSIONING_ATLAS_HOME`` or the source checkout."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).resolve()
    # src/commissioning_atlas/settings.py -> the repository root
    return Path(__file__).resolve().parents[2]


def geo_dir() -> Path:
    """Return the folder of project-authored tables (memberships, proposals)."""
    return project_root() / "geo"


def boundaries_dir() -> Path:
    """Return the folder holding the boundary-source catalogue."""
    return project_root() / "boundaries"


def cache_dir() -> Path:
    """Return the git-ignored cache folder (``$COMMISSIONING_ATLAS_CACHE`` overrides)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).resolve() if env else boundaries_dir() / "cache"


def default_mirror() -> Path | None:
    """Return the mirror folder from ``$COMMISSIONING_ATLAS_MIRROR``, or None."""
    env = os.environ.get(MIRROR_ENV)
    return Path(env).resolve() if env else None
