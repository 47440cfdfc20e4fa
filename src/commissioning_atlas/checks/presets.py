"""Named checks: the questions of 2011-2027, each a subject, a reference layer and rules."""
from __future__ import annotations

from difflib import get_close_matches
from typing import TYPE_CHECKING

import geopandas as gpd

from commissioning_atlas import registry
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.checks.crosstab import Tolerance, basis_of
from commissioning_atlas.checks.rules import councils_split, run_check

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas


def declared_presets() -> dict[str, dict]:
    """The named checks declared in ``presets.toml``: name -> ``title``, ``subject``, ``against`` (None for the
    size rule), ``rules``, ``question``."""
    return registry.presets()


def resolve_preset(name: str, atlas: Atlas | None = None) -> dict:
    """The preset's definition; with a scenario loaded, the presets of a footprint set it may replace
    (``scenario_replaces`` in ``footprints.toml``) check the scenario when it is of the set's vintage."""
    presets = declared_presets()
    if name not in presets:
        near = get_close_matches(name, presets, n=1, cutoff=0.4)
        raise AtlasError(f"unknown preset {name!r}" + (f"; did you mean {near[0]}?" if near else
                                                         f"; presets are {', '.join(presets)}"))
    p = dict(presets[name])
    fs = registry.footprint_sets().get(p["subject"])
    if atlas is not None and atlas.scenario is not None and fs is not None and fs.scenario_replaces \
            and atlas.layer("scenario").attrs.get("vintage") == atlas.layer(p["subject"]).attrs.get("vintage"):
        p["subject"] = "scenario"
        p["title"] = p["title"].replace(fs.scenario_replaces, f"Scenario {atlas.scenario.name}")
    return p


def run_preset(atlas: Atlas, name: str, tol: Tolerance = Tolerance(), geometry: bool = True,
               rules=None) -> tuple[gpd.GeoDataFrame, dict]:
    """Run a named preset; return ``(findings, meta)`` where meta has title, subject, against, rules."""
    p = resolve_preset(name, atlas)
    use = tuple(rules) if rules else p["rules"]
    findings = run_check(atlas, p["subject"], p["against"], use, tol, geometry)
    meta = {"preset": name, "title": p["title"], "question": p["question"], "subject": p["subject"],
            "against": p["against"], "rules": list(use), "tolerance": tol.describe(),
            "population_basis": getattr(atlas, "held_basis", None) or basis_of(atlas, p["subject"])}
    if "splits" in use:  # the headline count of the councils' view names its rule
        meta["split_rule"] = tol.describe_splits()
        meta["councils_split"] = len(councils_split(findings))
    return findings, meta
