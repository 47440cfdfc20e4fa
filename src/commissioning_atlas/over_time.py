"""Commissioners over time: how many there were and how coterminous they were with the councils of their day.

For each commissioner layer (PCTs, CCGs of every vintage, ICBs), the upper-tier councils "of their time"
are the latest council vintage at or before the commissioners' date (councils did not change between
2011 and April 2019, so the 2011 councils serve until then). Classes are the tolerant classes of the
``coterminosity`` rule (:func:`commissioning_atlas.checks.check_coterminosity`); sizes are on each
layer's default population basis, named in the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from commissioning_atlas.registry import commissioners, footprint_sets, registry

CLASSES = ["equal", "union", "within", "straddling"]


def _date(layer_id: str) -> str:
    reg = registry()
    return reg[layer_id].date if layer_id in reg else footprint_sets()[layer_id].date


def short_label(layer_id: str) -> str:
    """A commissioner layer's label under the chart's bars (declared in ``timeline.toml``)."""
    return commissioners().get(layer_id) or layer_id.split("_")[0].upper()


def _title(atlas, layer_id: str) -> str:
    return atlas.info(layer_id)["title"]


def councils_of_their_time(layer_id: str) -> str:
    """The upper-tier council layer in force at a layer's date: the latest at or before it, else the earliest."""
    reg = registry()
    date = _date(layer_id)
    councils = sorted((s.date, k) for k, s in reg.items() if s.body == "council")
    before = [k for d, k in councils if d <= date]
    return before[-1] if before else councils[0][1]


def coterminosity_over_time(atlas, layers: list[str] | None = None) -> pd.DataFrame:
    """One row per commissioner layer: count, councils compared, counts per class, median size.

    Parameters
    ----------
    atlas : Atlas
    layers : list of str, optional
        Commissioner layers (default: the commissioners declared in ``timeline.toml`` that the atlas has).

    Returns
    -------
    pandas.DataFrame
        ``layer``, ``title``, ``date``, ``bodies``, ``councils`` (layer id), ``equal``, ``union``,
        ``within``, ``straddling``, ``share_coterminous`` (equal + union + within over bodies),
        ``median_population``, ``population_basis``.
    """
    from commissioning_atlas.checks import Tolerance, check_coterminosity

    rows = []
    for lid in layers or [k for k in commissioners() if k in atlas.layer_ids()]:
        councils = councils_of_their_time(lid)
        f = check_coterminosity(atlas, lid, councils, Tolerance(), geometry=False)
        counts = f["class"].value_counts()
        layer = atlas.layer(lid)
        row = {"layer": lid, "title": _title(atlas, lid), "date": _date(lid), "bodies": len(layer),
               "councils": councils, **{c: int(counts.get(c, 0)) for c in CLASSES}}
        row["share_coterminous"] = (row["equal"] + row["union"] + row["within"]) / max(row["bodies"], 1)
        row["median_population"] = int(np.median(layer["population"]))
        row["population_basis"] = layer.attrs["population_basis"]
        rows.append(row)
    return pd.DataFrame(rows)


def chart(table: pd.DataFrame, path: str | Path) -> Path:
    """Draw the table as a PNG (matplotlib, no display): bodies by class per year, and the count line.

    The file is written to a temporary name and renamed; the same table gives the same bytes.
    """
    import os
    import tempfile

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    labels = [short_label(lid).replace(" ", "\n") for lid in table["layer"]]  # a space breaks the line
    years = [f"{d[:4]}\n{label}" for d, label in zip(table["date"], labels)]
    x = np.arange(len(table))
    colours = {"equal": "#1b7837", "union": "#7fbf7b", "within": "#af8dc3", "straddling": "#762a83"}
    hatches = {"equal": "", "union": "..", "within": "//", "straddling": "xx"}
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    bottom = np.zeros(len(table))
    for c in CLASSES:
        ax.bar(x, table[c], bottom=bottom, color=colours[c], hatch=hatches[c], edgecolor="white", label=c)
        bottom += table[c].to_numpy()
    for xi, n in zip(x, table["bodies"]):
        ax.text(xi, n + 3, f"{n}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, years, fontsize=8)
    ax.set_ylabel("commissioning bodies")
    ax.set_title(f"Commissioners and the upper-tier councils of their time, England "
                 f"{table['date'].iat[0][:4]}-{table['date'].iat[-1][:4]}", fontsize=10)
    ax.legend(title="against councils", fontsize=8, title_fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.01, "Classes: tolerant coterminosity (2% tolerance) on 2011 LSOAs; sources in the README",
             fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", metadata={"Software": None})
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        Path(tmp).unlink(missing_ok=True)
    return path
