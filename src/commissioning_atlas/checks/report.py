"""Findings out: counts, and the table, CSV, JSON, Markdown and GeoPackage writers."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.checks.crosstab import FINDING_COLUMNS, SEVERITIES
from commissioning_atlas.io import formatting

if TYPE_CHECKING:  # pragma: no cover
    pass


def counts(findings: pd.DataFrame | None) -> dict[str, int]:
    """Number of rows by severity: every one of :data:`SEVERITIES` (zeros included), then any other."""
    out = {s: 0 for s in SEVERITIES}
    if findings is not None and len(findings) and "severity" in findings.columns:
        for k, v in findings["severity"].astype(str).str.lower().value_counts().items():
            out[k] = int(v)
    return out


def has_problems(findings: pd.DataFrame) -> bool:
    """True when a finding is a warning or an error (the CLI then exits 1)."""
    return bool(len(findings)) and bool(findings["severity"].isin(["error", "warning"]).any())


# --------------------------------------------------------------------------------------------
# output formats

FORMATS = ("table", "csv", "json", "md", "gpkg")


def _records(findings: pd.DataFrame) -> list[dict]:
    out = []
    for r in findings[FINDING_COLUMNS].itertuples(index=False):
        d = {}
        for k, v in zip(FINDING_COLUMNS, r):
            if isinstance(v, (float, np.floating)):
                v = None if math.isnan(v) else round(float(v), 6)
            elif isinstance(v, (np.integer,)):
                v = int(v)
            d[k] = v
        out.append(d)
    return out


def to_json(findings: pd.DataFrame, meta: dict) -> str:
    """One JSON object: the run's metadata, counts by severity and ``findings`` (no geometry)."""
    doc = {**meta, "counts": counts(findings), "findings": _records(findings)}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def to_csv(findings: pd.DataFrame) -> str:
    """CSV without geometry; text cells that a spreadsheet would run as formulas are defused
    (:func:`commissioning_atlas.io.text.rows_csv`, the one CSV writer of the tool)."""
    from commissioning_atlas.io.text import rows_csv

    return rows_csv(FINDING_COLUMNS, ([rec[c] for c in FINDING_COLUMNS] for rec in _records(findings)))


def _pct(v) -> str:
    return formatting.share(v)


def _clean(s: str, width: int | None = None, encoding: str = "utf-8") -> str:
    """One cell: whitespace collapsed, control characters escaped, fitted to ``encoding`` and ``width``."""
    from commissioning_atlas.io.text import cut

    return cut(s, width if width is not None else 1 << 30, encoding)


_TABLE_COLS = [("rule", 13), ("subject_code", 11), ("subject_name", 34), ("against_code", 22),
               ("against_name", 30), ("class", 15), ("share_area", 7), ("population", 10),
               ("share_population", 7), ("severity", 8)]
_HEAD = {"share_area": "area%", "share_population": "pop%", "population": "people"}


def to_table(findings: pd.DataFrame, meta: dict, encoding: str = "utf-8") -> str:
    """Aligned plain-text table with a header and a summary line.

    Every cell has its control characters escaped and is fitted to ``encoding`` (a name too long
    for its column ends in ``…``, or ``...`` where the encoding has no ``…``), so the table is safe
    to print on any terminal.
    """
    from commissioning_atlas.io.text import for_terminal

    head = (f"# {meta.get('title', '')}: {meta.get('subject')} against {meta.get('against') or 'thresholds'}"
            f" ({', '.join(meta.get('rules', []))})")
    lines = [for_terminal(head, encoding=encoding, keep=""),
             for_terminal(f"# tolerance: {meta.get('tolerance', '')}", encoding=encoding, keep="")]
    if meta.get("split_rule"):
        lines.append(for_terminal(f"# councils' view: {meta.get('councils_split')} split, {meta['split_rule']}",
                                  encoding=encoding, keep=""))
    if meta.get("population_basis"):
        lines.append(for_terminal(f"# population: {basis_sentence(meta['population_basis'])}", encoding=encoding,
                                  keep=""))
    lines.append("  ".join(f"{_HEAD.get(c, c):<{w}}" for c, w in _TABLE_COLS))
    for rec in _records(findings):
        cells = []
        for c, w in _TABLE_COLS:
            v = rec[c]
            if c.startswith("share_"):
                v = _pct(v)
            elif c == "population":
                v = formatting.people(v)
            cells.append(f"{_clean(v, w, encoding):<{w}}"
                         if c not in ("population",) + tuple(k for k in _HEAD if k.startswith("share"))
                         else f"{_clean(v, w, encoding):>{w}}")
        lines.append("  ".join(cells).rstrip())
    c = counts(findings)
    lines.append(f"{len(findings)} rows: {c['error']} error, {c['warning']} warning, {c['info']} info")
    return "\n".join(lines) + "\n"


def basis_sentence(basis: str) -> str:
    """How a report names its population basis: "Census 2021 usual residents (census_2021), summed over 2011
    LSOAs"; a basis held on layers says where ("... counted per GP practice on the layers made of practices")."""
    from commissioning_atlas.sources.population import get_basis

    b = get_basis(basis)
    return f"{b.title} ({b.id}), " + ("summed over 2011 LSOAs" if b.per_lsoa else f"held on {b.held_on}")


def _md_cell(v) -> str:
    s = _clean("" if v is None else v)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("`", "\\`").replace("[", "\\[").replace("]", "\\]"))


def to_markdown(findings: pd.DataFrame, meta: dict) -> str:
    """A Markdown report; table text is escaped so it renders as text, never as HTML."""
    c = counts(findings)
    out = [f"# {_md_cell(meta.get('title', 'Check'))}", "",
           f"{_md_cell(meta.get('question', ''))}", "",
           f"- subject: `{meta.get('subject')}`; against: `{meta.get('against') or 'thresholds'}`; "
           f"rules: {', '.join(meta.get('rules', []))}",
           f"- tolerance: {_md_cell(meta.get('tolerance', ''))}",
           *([f"- population: {_md_cell(basis_sentence(meta['population_basis']))}"]
             if meta.get("population_basis") else []),
           *([f"- councils' view: {meta.get('councils_split')} split, {_md_cell(meta['split_rule'])}"]
             if meta.get("split_rule") else []),
           f"- {len(findings)} rows: {c['error']} error, {c['warning']} warning, {c['info']} info", ""]
    cols = ["rule", "subject_code", "subject_name", "against_code", "against_name", "class", "class_strict",
            "area_km2", "share_area", "population", "share_population", "severity"]
    out.append("| " + " | ".join(cols) + " |")
    out.append("|" + "---|" * len(cols))
    for rec in _records(findings):
        vals = []
        for k in cols:
            v = rec[k]
            if k.startswith("share_"):
                v = _pct(v)
            elif k == "area_km2":
                v = formatting.area(v)
            elif k == "population":
                v = formatting.people(v)
            vals.append(_md_cell(v))
        out.append("| " + " | ".join(vals) + " |")
    return "\n".join(out) + "\n"


def write_findings(findings: gpd.GeoDataFrame, meta: dict, fmt: str, path: str | Path | None,
                   encoding: str = "utf-8", policy: OutputPolicy | None = None) -> str | None:
    """Render findings in ``fmt``; write atomically to ``path`` or return the text for stdout.

    Files go through :mod:`commissioning_atlas.io.safe`: written whole or not at all, never over
    an input of the run, a file of ``geo/``, the cache or a read-only file; ``gpkg`` adds (or
    replaces) the layer ``findings`` of an existing GeoPackage and keeps its other layers.
    ``encoding`` is that of the stream a returned table is printed on; ``policy`` the run's
    :class:`~commissioning_atlas.io.safe.OutputPolicy` (its inputs are never replaced).
    """
    from commissioning_atlas.io.safe import write_gpkg_layer, write_text

    if fmt not in FORMATS:
        raise AtlasError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    if fmt == "gpkg":
        if path is None:
            raise AtlasError("--format gpkg needs an output file (-o FILE.gpkg)")
        write_gpkg_layer(path, findings.reset_index(drop=True), "findings", policy, promote_to_multi=True)
        return None
    text = {"table": lambda: to_table(findings, meta, encoding="utf-8" if path else encoding),
            "csv": lambda: to_csv(findings), "json": lambda: to_json(findings, meta),
            "md": lambda: to_markdown(findings, meta)}[fmt]()
    if path is None:
        return text
    write_text(path, text, policy)
    return None
