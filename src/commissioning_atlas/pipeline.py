"""The main job as a library function: every layer, the over-time table, the check reports and the maps.

The CLI's ``build`` is a thin shell over :func:`build_outputs`; a notebook may call it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from commissioning_atlas import checks
from commissioning_atlas.io import safe as safe_io
from commissioning_atlas.io.export import export_layer, export_table

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

__all__ = ["BuildResult", "build_outputs", "run_all_presets", "write_reports"]


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
    return {name: checks.run_preset(atlas, name, geometry=geometry) for name in checks.declared_presets()}


def write_reports(out: Path, results: dict) -> list[str]:
    """Write each preset's findings as Markdown, CSV and JSON into ``out``; return summary lines."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, (findings, meta) in results.items():
        for fmt, suffix in (("md", ".md"), ("csv", ".csv"), ("json", ".json")):
            checks.write_findings(findings, meta, fmt, out / f"{name}{suffix}")
        c = checks.counts(findings)
        lines.append(f"{name:<24} {c['warning']:>4} warning {c['info']:>4} info   {meta['title']}")
    return lines


def build_outputs(atlas: "Atlas", out: str | Path, layer_table: str) -> BuildResult:
    """Write everything the main job writes into ``out``, staged: a failed run leaves ``out`` as it was.

    Parameters
    ----------
    atlas : Atlas
        Every layer is built (or read from the cache) first.
    out : str or Path
        The output folder (checked by :func:`commissioning_atlas.io.safe.guard_output_folder`).
    layer_table : str
        The text of ``layers.txt`` (the CLI's ``layers`` listing).
    """
    from commissioning_atlas.maps import write_maps
    from commissioning_atlas.over_time import chart, coterminosity_over_time

    out = safe_io.guard_output_folder(out)
    atlas.build_all()
    with safe_io.staged_folder(out) as stage:
        (stage / "layers").mkdir(parents=True, exist_ok=True)
        safe_io.write_text(stage / "layers.txt", layer_table)
        for lid in atlas.layer_ids():
            if lid == "lsoa_2011":
                continue  # 32,844 rows: export it on request (commissioning-atlas export lsoa_2011 -o ...)
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.csv")
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.gpkg", layer_name=lid)
        over_time = coterminosity_over_time(atlas)
        export_table(over_time, stage / "over_time.csv")
        chart(over_time, stage / "over_time.png")
        safe_io.write_text(stage / "build_report.json", json.dumps(atlas.report, indent=1, sort_keys=True, default=str))
        results = run_all_presets(atlas)
        summary = write_reports(stage / "checks", results)
        maps = write_maps(atlas, stage / "maps", results, tiles=False)
    return BuildResult(out=out, layer_table=layer_table, layer_ids=atlas.layer_ids(),
                       years=(over_time["date"].iat[0][:4], over_time["date"].iat[-1][:4]), check_lines=summary,
                       checks=len(results), maps=[out / p.relative_to(stage) for p in maps])
