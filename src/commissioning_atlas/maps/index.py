"""``index.html``: every map of a folder with what it shows and its counts."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from commissioning_atlas.io import formatting
from commissioning_atlas.maps.describe import in_words
from commissioning_atlas.maps.figures import crossing_parts
from commissioning_atlas.io.safe import OutputPolicy
from commissioning_atlas.maps.page import _write_text, template
from commissioning_atlas.maps.style import _SEVERITY_ORDER, ATTRIBUTION


def write_index(entries: Sequence[dict], path: str | Path, title: str = "Commissioning Atlas maps",
                policy: OutputPolicy | None = None) -> Path:
    """Write ``index.html`` linking every map with its summary and counts by severity.

    Parameters
    ----------
    entries : sequence of dict
        Each with ``title``, ``href`` (relative link), and optionally ``summary`` text, ``question`` (what
        the check answers), ``people`` (:func:`people_affected`), ``counts`` (``{"error": n, ...}``) and
        ``thumbnail`` (an SVG from :func:`.thumbnail.thumbnail_svg`, trusted: built from numbers).
    path : str or Path
        Where to write (atomically).
    title : str
        Page heading.

    Returns
    -------
    Path
    """
    items = []
    for e in entries:
        href = str(e.get("href", ""))
        if re.match(r"^\s*(javascript|data|vbscript):", href, re.I):
            href = "#"
        thumb = e.get("thumbnail") or ""
        line = (f'<li>{thumb}<div><a href="{html.escape(href, quote=True)}">'
                f'{html.escape(str(e.get("title", href)))}</a>')
        if e.get("question"):
            line += f'<br><span class="q">{html.escape(str(e["question"]))}</span>'
        if e.get("finding"):
            line += f'<br><strong class="finding">{html.escape(str(e["finding"]))}</strong>'
        counts = e.get("counts") or {}
        badges = "".join(f'<span class="n {html.escape(k)}">{html.escape(_in_words(k, int(v)))}</span>'
                         for k, v in sorted(counts.items(), key=lambda kv: (_SEVERITY_ORDER.get(kv[0], 9), kv[0]))
                         if int(v))  # no empty severity: "info: 0" says nothing
        if badges:
            line += f"<br>{badges}"
        if e.get("people"):
            line += f'<br><span class="people">{html.escape(str(e["people"]))}</span>'
        if e.get("summary"):
            line += f"<br>{html.escape(str(e['summary']))}"
        items.append(line + "</div></li>")
    text = template("index.html").substitute(title=html.escape(title), items="\n".join(items),
                                             attribution=html.escape(ATTRIBUTION))
    return _write_text(path, text, policy)


def _in_words(severity: str, n: int) -> str:
    """A severity's count as a reader says it: "1 error", "4 warnings", "50 for context" (not "info: 50")."""
    return f"{n:,} for context" if severity == "info" else formatting.count(n, severity)


def _basis(findings: pd.DataFrame) -> str:
    from commissioning_atlas.sources.population import BASES

    b = findings["population_basis"].dropna().astype(str) if "population_basis" in findings.columns else []
    basis = b.iloc[0] if len(b) else "census_2011"
    return BASES[basis].title if basis in BASES else basis


def people_affected(findings: pd.DataFrame) -> str:
    """The people a check's warnings and errors concern, with their basis; "" without findings.

    Where the check has crossing parts, the residents living in them (outside their home); otherwise the
    residents (or patients: the findings' ``note`` names the basis) of the flagged organisations, each once.
    """
    if findings is None or not len(findings) or not {"severity", "population"} <= set(findings.columns):
        return ""
    bad = findings[findings["severity"].astype(str).str.lower().isin(["error", "warning"])]
    if not len(bad):
        return "No one in a flagged part."
    cross = bad[crossing_parts(bad)]
    if len(cross):
        total = pd.to_numeric(cross["population"], errors="coerce").fillna(0).sum()
        return (f"People affected: {formatting.people(total)} ({_basis(cross)}) live in the "
                f"{formatting.count(len(cross), 'crossing part')}, outside their home.")
    if "subject_code" in bad.columns:
        bad = bad.drop_duplicates("subject_code")
    note = str(bad["note"].iloc[0]) if "note" in bad.columns else ""
    basis = in_words(note.split("population basis: ", 1)[1]) if "population basis: " in note else _basis(bad)
    total = pd.to_numeric(bad["population"], errors="coerce").fillna(0).sum()
    return (f"People affected: {formatting.people(total)} ({basis}) in the "
            f"{formatting.count(len(bad), 'flagged organisation')}.")


def _flagged(atlas: Any, findings: gpd.GeoDataFrame, subject_layer: str, shown: int = 8) -> str:
    """' k of N <layer> flagged: name, name, ... and m more.' for the subjects with an error or warning.

    An overlap's subject code joins its features with '+': each counts. Codes the layer does not know
    (a gap has no subject) are left to the severity counts.
    """
    if findings is None or not len(findings) or not {"severity", "subject_code"} <= set(findings.columns):
        return ""
    try:
        layer = atlas.layer(subject_layer)
        title = atlas.info(subject_layer)["title"].split(" (")[0]
    except Exception:  # noqa: BLE001 - an unknown layer: no summary rather than no index
        return ""
    names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    bad = findings[findings["severity"].astype(str).str.lower().isin(["error", "warning"])]
    if len(bad) and {"against_layer", "against_code", "against_name", "class"} <= set(bad.columns) \
            and (bad["against_layer"].astype(str) == "threshold").all():
        return _flagged_sizes(bad, names, len(layer), title)
    codes = [c for joined in bad["subject_code"].astype(str) for c in joined.split("+") if c in names]
    flagged = [names[c] for c in dict.fromkeys(codes)]
    if not flagged:
        return ""
    more = f" and {len(flagged) - shown} more" if len(flagged) > shown else ""
    return f" {len(flagged)} of {len(layer)} {title} flagged: {', '.join(flagged[:shown])}{more}."


def _flagged_sizes(bad: pd.DataFrame, names: dict[str, str], total: int, title: str, shown: int = 5) -> str:
    """' 208 of 211 <layer> below minimum 750,000; 195 below minimum 500,000. Smallest: name (n), ...'

    A size check flags most features under each threshold it knows: a count per threshold, and the
    smallest features, says more than the first eight names in code order.
    """
    counts = []
    for _, grp in bad.groupby(["against_code", "class"], sort=False):  # a range's minimum and maximum apart
        label = str(grp["against_name"].iloc[0]).split(" (")[0]  # "minimum 750,000 (source ...)"
        side = str(grp["class"].iloc[0]).split(" ")[0]            # "below minimum" -> "below"
        counts.append((grp["subject_code"].astype(str).nunique(), f"{side} {label}"))
    counts.sort(key=lambda c: -c[0])
    (n, what), rest = counts[0], counts[1:]
    out = f" {n} of {total} {title} {what}" + "".join(f"; {k} {w}" for k, w in rest)
    if "population" in bad.columns:
        sizes = (bad.assign(_code=bad["subject_code"].astype(str)).drop_duplicates("_code")
                 .sort_values(["population", "_code"]))
        smallest = [f"{names.get(c, c)} ({int(v):,})" for c, v in zip(sizes["_code"], sizes["population"])][:shown]
        note = str(sizes["note"].iloc[0]) if "note" in sizes.columns else ""
        basis = note.split("population basis: ", 1)[1].split(" (")[0] if "population basis: " in note else ""
        out += f". Smallest{f' ({basis})' if basis else ''}: {', '.join(smallest)}"
    return out + "."
