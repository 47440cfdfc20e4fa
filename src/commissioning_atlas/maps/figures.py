"""A layer's figures: every numeric column a map colours by (a choropleth) and names in a popup.

Residents on the layer's basis come first (the default choropleth), then registered patients where the layer
has them, the area, residents per km² (derived: ``population / area_km2``) and every other numeric column
the frame carries (a scenario's, or a user's table joined to a layer), in the frame's order. Codes, booleans
and the page's helper columns are not figures. Each figure has a title in plain words with its unit or basis
("Residents per km² (Census 2021 usual residents)") and is written by :mod:`commissioning_atlas.io.formatting`,
so the legend, the popups and the command line show the same digits.

A title made from a user's column name is table text like any other: the page only ever shows it with
``textContent`` (see :mod:`.encode`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from commissioning_atlas.io import formatting
from commissioning_atlas._errors import AtlasError

#: The figure of a check's page: the share of a subject's residents living outside their home.
SHARE_CROSSING = "share_crossing"
#: The derived figure: residents per km².
DENSITY = "density"
#: Columns known by name: column -> (legend title, popup label, function of :mod:`..formatting`). ``{basis}``
#: is the layer's population basis in full ("Census 2011 usual residents"), ``{short}`` its short name.
KNOWN: dict[str, tuple[str, str, str]] = {
    "population": ("Residents ({basis})", "Residents ({short})", "people"),
    "registered_population": ("Registered patients (GP lists, April-June 2013)", "Registered patients", "people"),
    "registered_2022": ("Registered patients (GP lists, 1 May 2022)", "Registered patients (May 2022)", "people"),
    "area_km2": ("Area (km\u00b2)", "Area (km\u00b2)", "area"),
    DENSITY: ("Residents per km\u00b2 ({basis})", "Residents per km\u00b2 ({short})", "density"),
    "predecessor_pct_count": ("Predecessor PCTs (count)", "Predecessor PCTs", "number"),
    "n_lsoas": ("LSOAs (count)", "LSOAs", "number"),
}
#: The figures offered first, in this order; the others follow in the frame's order.
FIRST = ["population", "registered_population", "registered_2022", "area_km2", DENSITY]
#: Columns that are never a figure: the page's own helpers (``_row``, label points) and the geometry.
_HELPERS = {"geometry", "lp", "lr", "code", "codes"}


class Figure(NamedTuple):
    """One figure of a layer: its key (the column, or ``density``), title, popup label, writer and values."""

    key: str
    title: str
    label: str
    fmt: Callable[[Any], str]
    values: np.ndarray


def is_figure_column(name: Any, series: pd.Series) -> bool:
    """Whether a column is a figure: numeric, not boolean, not a code (``code``, ``*_code``, ``*_codes``)
    and not one of the page's helpers (a name starting with ``_``)."""
    name = str(name)
    low = name.lower()
    if low in _HELPERS or name.startswith("_") or low.endswith(("_code", "_codes", "_id")):
        return False
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _title_of(name: str) -> str:
    """A column's name as a title: underscores as spaces, first letter capital (the rest as it is)."""
    text = " ".join(str(name).replace("_", " ").split())
    return text[:1].upper() + text[1:]


def _values(series: pd.Series) -> np.ndarray:
    v = pd.to_numeric(series, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    v[~np.isfinite(v)] = np.nan
    return v


def figures(frame: pd.DataFrame, basis_title: str, basis_short: str) -> list[Figure]:
    """Every figure of a layer's frame that has at least one value.

    Parameters
    ----------
    frame : pandas.DataFrame
        A layer (any order of rows; the values follow it).
    basis_title, basis_short : str
        The layer's population basis in full ("Census 2011 usual residents") and short ("Census 2011").

    Returns
    -------
    list of Figure
        Residents, registered patients, area, residents per km², then the frame's other numeric columns.
    """
    cols = {str(c): frame[c] for c in frame.columns if is_figure_column(c, frame[c])}
    values = {c: _values(s) for c, s in cols.items()}
    if DENSITY not in values and {"population", "area_km2"} <= set(values):
        area = values["area_km2"]
        with np.errstate(divide="ignore", invalid="ignore"):
            values[DENSITY] = np.where(area > 0, values["population"] / area, np.nan)
    order = [c for c in FIRST if c in values] + [c for c in values if c not in FIRST]
    out = []
    for key in order:
        v = values[key]
        if not np.isfinite(v).any():
            continue
        title, label, kind = KNOWN.get(key, (_title_of(key), _title_of(key), "number"))
        out.append(Figure(key, title.format(basis=basis_title, short=basis_short),
                          label.format(basis=basis_title, short=basis_short), getattr(formatting, kind), v))
    return out


def offered(frames: Sequence[pd.DataFrame], crossing: bool = False) -> list[str]:
    """The keys of the figures a page of these layers offers, in order (``share_crossing`` first when the
    page draws a check's crossing parts)."""
    keys = [SHARE_CROSSING] if crossing else []
    for frame in frames:
        for f in figures(frame, "", ""):
            if f.key not in keys:
                keys.append(f.key)
    return keys


def crossing_parts(findings: pd.DataFrame) -> pd.Series:
    """Which findings are crossing parts (rule ``crosses``, class ``crossing part``): only a part beyond the
    feature's home is a crossing; home, main and below-tolerance parts are context. All False where the
    table has no rule and class."""
    if not {"rule", "class"} <= set(findings.columns):
        return pd.Series(False, index=findings.index)
    return (findings["rule"].astype(str) == "crosses") & (findings["class"].astype(str) == "crossing part")


def check_choice(key: str | None, available: Sequence[str], what: str = "choropleth") -> None:
    """Raise one clear :class:`AtlasError` when ``key`` is not among the ``available`` figures."""
    if key is None or key in available:
        return
    raise AtlasError(f"{what} {str(key)!r} is not a numeric column of these maps; the numeric columns are: "
                     + ", ".join(available))
