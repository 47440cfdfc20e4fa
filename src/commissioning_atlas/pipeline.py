"""The main job as a library function: every layer, the over-time table, the check reports and the maps.

The CLI's ``build`` is a thin shell over :func:`build_outputs`; a notebook may call it too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from commissioning_atlas import checks
from commissioning_atlas.io import safe as safe_io
from commissioning_atlas.io.export import export_layer, export_table

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

__all__ = ["BuildResult", "build_outputs", "run_all_presets", "write_reports"]

log = logging.getLogger(__name__)

#: ``out/README.md``: what each file and folder of the main job's output holds.
OUT_README = """# What `commissioning-atlas build` wrote

- `maps/index.html`: open this first. Every map, its question, its finding and the people affected.
  - `maps/atlas.html`: every layer of 2011-2027, any of them on or off; search, popups, a list view.
  - `maps/timeline.html`: every era on one map, with what moved between eras.
  - `maps/planner.html`: draw your own grouping of units and see the rules checked as you click.
  - `maps/check-*.html`: one map per named check, its finding stated in words.
- `checks/`: each named check's findings as Markdown (`.md`), CSV (`.csv`) and JSON (`.json`); every figure
  names its population basis.
- `layers/`: every layer as CSV (codes, names, population on its basis, area) and GeoPackage (EPSG:27700).
- `layers.txt`: the layers, by era, with their counts, populations, bases and sources.
- `over_time.csv` and `over_time.png`: how coterminous commissioners were with the councils of their time.
- `build_report.json`: what the build measured, layer by layer (checks against published lookups, moves,
  disagreements between sources).

Every page opens from a file, offline. The same inputs give the same bytes.
"""


@dataclass
class BuildResult:
    """What :func:`build_outputs` wrote: the layer table, the layers, the check summary and the maps."""

    out: Path
    layer_table: str
    layer_ids: list[str]
    years: tuple[str, str]
    check_lines: list[str] = field(default_factory=list)
    checks: int = 0
    maps: list[Path] = field(default_factory=list)


def run_all_presets(atlas: "Atlas", geometry: bool = True) -> dict:
    """Every check preset run once: preset -> (findings, meta)."""
    names = list(checks.declared_presets())
    results = {}
    for i, name in enumerate(names, 1):
        log.info("check %d of %d: %s", i, len(names), name)
        results[name] = checks.run_preset(atlas, name, geometry=geometry)
    return results


def write_reports(out: Path, results: dict) -> list[str]:
    """Write each preset's findings as Markdown, CSV and JSON into ``out``; return summary lines."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (name, (findings, meta)) in enumerate(results.items(), 1):
        log.info("check report %d of %d: %s", i, len(results), name)
        for fmt, suffix in (("md", ".md"), ("csv", ".csv"), ("json", ".json")):
            checks.write_findings(findings, meta, fmt, out / f"{name}{suffix}")
        c = checks.counts(findings)
        lines.append(f"{name:<24} {c['warning']:>4} warning {c['info']:>4} info   {meta['title']}")
    return lines


def build_outputs(atlas: "Atlas", out: str | Path, layer_table: str,
                  policy: safe_io.OutputPolicy | None = None) -> BuildResult:
    """Write everything the main job writes into ``out``, staged: a failed run leaves ``out`` as it was.

    Parameters
    ----------
    atlas : Atlas
        Every layer is built (or read from the cache) first.
    out : str or Path
        The output folder (checked by :func:`commissioning_atlas.io.safe.guard_output_folder`).
    layer_table : str
        The text of ``layers.txt`` (the CLI's ``layers`` listing).
    policy : OutputPolicy, optional
        The run's output rule (the CLI's); the atlas's input files (a scenario and its bases) are added to
        it, so even a library call given none never replaces them.
    """
    from commissioning_atlas.maps import write_maps
    from commissioning_atlas.over_time import chart, coterminosity_over_time

    policy = atlas.output_policy(policy)
    out = safe_io.guard_output_folder(out, policy)
    atlas.build_all()
    with safe_io.staged_folder(out, policy) as stage:
        (stage / "layers").mkdir(parents=True, exist_ok=True)
        safe_io.write_text(stage / "README.md", OUT_README)
        safe_io.write_text(stage / "layers.txt", layer_table)
        ids = [lid for lid in atlas.layer_ids() if lid != "lsoa_2011"]  # 32,844 LSOAs: `export lsoa_2011` on request
        for i, lid in enumerate(ids, 1):
            log.info("layer %d of %d: %s (.csv, .gpkg)", i, len(ids), lid)
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.csv")
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.gpkg", layer_name=lid)
        log.info("over-time table and chart")
        over_time = coterminosity_over_time(atlas)
        export_table(over_time, stage / "over_time.csv")
        chart(over_time, stage / "over_time.png")
        safe_io.write_text(stage / "build_report.json", json.dumps(atlas.report, indent=1, sort_keys=True, default=str))
        results = run_all_presets(atlas)
        summary = write_reports(stage / "checks", results)
        maps = write_maps(atlas, stage / "maps", results, tiles=False, policy=policy)
    return BuildResult(out=out, layer_table=layer_table, layer_ids=atlas.layer_ids(),
                       years=(over_time["date"].iat[0][:4], over_time["date"].iat[-1][:4]), check_lines=summary,
                       checks=len(results), maps=[out / p.relative_to(stage) for p in maps])
