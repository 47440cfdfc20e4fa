"""Towns and neighbourhoods for a page's search and its low-zoom names, without tiles.

From three catalogue files (``sources.toml``): the House of Commons Library's readable names of the 2011
MSOAs (``msoa_names_2011``: "Central Bedfordshire 027" is "Dunstable East"), their population-weighted
centroids (``msoa_centroids_2011``) and the ONS lookup of MSOAs to the 112 major towns and cities of 2015
(``msoa_towns_2015``). An LSOA's MSOA is its name stem ("Luton 001A" lies in "Luton 001"), so every MSOA is a
set of the atlas's LSOAs and its extent is theirs.

A page carries, compactly (the atlas page has 320 KB in all):

* ``towns``: the major towns and cities of England, each with its centre (the mean of its MSOAs'
  population-weighted centroids), extent and number of MSOAs (the larger first when names compete for room);
* ``places`` (the atlas page and the timeline): the places that name two or more neighbourhoods of one
  district ("Dunstable Central", "Dunstable East", "Dunstable South" and "Dunstable West" are the place
  "Dunstable" in Central Bedfordshire, four neighbourhoods), each with its district, centre, extent and number
  of neighbourhoods: about 11 KB compressed;
* ``neighbourhoods`` (the timeline only, whose budget is 600 KB): every one of the 6,791 neighbourhoods by its
  own name, with its district, centre and extent. The atlas's 320 KB leave no room for them, nor a check
  page's 250 KB for the places (:func:`page_places`).

Positions are in thousandths of a degree (about 100 m), as integers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from commissioning_atlas import settings
from commissioning_atlas.sources.readers import read_table, read_vector

#: Catalogue groups read here.
GROUPS = ("msoa_names_2011", "msoa_centroids_2011", "msoa_towns_2015")
#: Words at either end of a neighbourhood's name that say where in a place it lies, not which place it is.
EDGE_WORDS = frozenset("""north south east west central upper lower town centre city outer inner mid new old
rural village the north-east north-west south-east south-west""".split())
#: A place names at least this many neighbourhoods of its district.
MIN_NEIGHBOURHOODS = 2
#: Positions in thousandths of a degree.
Q = 1000
#: A place's centre and extent in steps of this many thousandths (about 200 m).
PLACE_STEP = 2


def _phrases(name: str) -> list[str]:
    """The places a neighbourhood's name names: its parts between "&", "," and "and", edge words off
    ("Shoreham Central & Beach" -> "Shoreham", "Beach"; "North Lancing" -> "Lancing")."""
    out = []
    for part in re.split(r"\s*(?:&|,|\band\b)\s*", name):
        words = part.split()
        while words and words[0].lower() in EDGE_WORDS:
            words = words[1:]
        while words and words[-1].lower() in EDGE_WORDS:
            words = words[:-1]
        if words:
            out.append(" ".join(words))
    return list(dict.fromkeys(out))


def _read(ctx: Any) -> pd.DataFrame:
    """One row per MSOA of England: ``msoa`` (code), ``stem`` ("Luton 001"), ``name`` (readable), ``district``,
    ``town`` (or ""), ``x``/``y`` (its centroid, degrees)."""
    names = read_table(ctx.path("msoa_names_2011"), required=["msoa11cd", "msoa11nm", "msoa11hclnm", "Laname"])
    towns = read_table(ctx.path("msoa_towns_2015"), required=["MSOA11CD", "TCITY15NM"])
    points = read_vector(ctx.path("msoa_centroids_2011"))
    points = points.drop_duplicates("msoa11cd").to_crs(settings.WEB_CRS)
    xy = dict(zip(points["msoa11cd"], zip(points.geometry.x, points.geometry.y)))
    town = dict(zip(towns["MSOA11CD"], towns["TCITY15NM"]))
    out = pd.DataFrame({"msoa": names["msoa11cd"].str.strip(), "stem": names["msoa11nm"].str.strip(),
                        "name": names["msoa11hclnm"].str.strip(), "district": names["Laname"].str.strip()})
    out = out[out["msoa"].str.startswith("E")]
    out["town"] = out["msoa"].map(town).fillna("")
    out["x"] = [xy.get(c, (np.nan, np.nan))[0] for c in out["msoa"]]
    out["y"] = [xy.get(c, (np.nan, np.nan))[1] for c in out["msoa"]]
    return out.reset_index(drop=True)


def _extents(atlas: Any, msoas: pd.DataFrame) -> np.ndarray:
    """Each MSOA's extent (x0, y0, x1, y1 in degrees) from its LSOAs (the name stem); NaN where the atlas
    holds none of them. The extent on the British National Grid, its corners turned to degrees."""
    lsoa = atlas.lsoa
    frame = pd.DataFrame(shapely.bounds(lsoa.geometry.to_numpy()), columns=["x0", "y0", "x1", "y1"])
    frame["stem"] = lsoa["name"].astype(str).str[:-1].to_numpy(dtype=object)
    agg = frame.groupby("stem").agg(x0=("x0", "min"), y0=("y0", "min"), x1=("x1", "max"), y1=("y1", "max"))
    b = agg.reindex(msoas["stem"]).to_numpy(dtype=float)
    corners = Transformer.from_crs(lsoa.crs or settings.CRS, settings.WEB_CRS, always_xy=True)
    xs, ys = corners.transform(b[:, [0, 0, 2, 2]], b[:, [1, 3, 1, 3]])
    return np.column_stack([xs.min(axis=1), ys.min(axis=1), xs.max(axis=1), ys.max(axis=1)])


def _q(v: float) -> int:
    return int(round(float(v) * Q))


def _spread(ext: np.ndarray, rows: np.ndarray) -> tuple[int, int, int]:
    """The centre of some MSOAs' joint extent and its larger half-side, in thousandths of a degree."""
    x0, y0 = ext[rows, 0].min(), ext[rows, 1].min()
    x1, y1 = ext[rows, 2].max(), ext[rows, 3].max()
    return _q((x0 + x1) / 2), _q((y0 + y1) / 2), max(1, _q(max(x1 - x0, y1 - y0) / 2))


def read_places(atlas: Any) -> dict | None:
    """The towns and places of England for the pages (see the module docstring), or None where the atlas
    reads no catalogue (an atlas made from frames, a test's).

    Parameters
    ----------
    atlas : Atlas

    Returns
    -------
    dict or None
        ``towns``: [name, x, y, half-side, number of MSOAs], largest first; ``districts``: names;
        ``places``: columns by district (``per`` places each), south to north: ``names`` joined by "|", ``dx``
        and ``dy`` (the centre, a step from the place before, in :data:`PLACE_STEP` thousandths of a degree),
        ``r`` (half-side, the same unit), ``n`` (neighbourhoods); ``neighbourhoods``: every MSOA by its
        own name, the same columns without ``n``, with their own ``districts``; ``source``: the citation.
    """
    ctx = getattr(atlas, "ctx", None)
    if not callable(getattr(ctx, "path", None)):
        return None
    derived = getattr(atlas, "derived", None)
    return derived("maps.places", lambda: _make(atlas, ctx)) if callable(derived) else _make(atlas, ctx)


def _make(atlas: Any, ctx: Any) -> dict:
    msoas = _read(ctx)
    ext = _extents(atlas, msoas)
    have = ~np.isnan(ext).any(axis=1)
    msoas, ext = msoas[have].reset_index(drop=True), ext[have]
    towns = []
    for name, rows in msoas[msoas["town"] != ""].groupby("town", sort=True):
        i = rows.index.to_numpy()
        x, y = rows["x"].mean(), rows["y"].mean()  # the label: the middle of its people (centroids weighted so)
        if np.isnan(x):
            x, y = (ext[i, 0].min() + ext[i, 2].max()) / 2, (ext[i, 1].min() + ext[i, 3].max()) / 2
        towns.append([name, _q(x), _q(y), *_spread(ext, i)[2:], len(i)])
    towns.sort(key=lambda t: (-t[4], t[0]))
    town_names = {t[0].lower() for t in towns}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (name, district) in enumerate(zip(msoas["name"], msoas["district"])):
        for p in _phrases(name):
            groups[(p, district)].append(i)
    kept = sorted(((d, p), i) for (p, d), i in groups.items()
                  if len(i) >= MIN_NEIGHBOURHOODS and p.lower() not in town_names)
    spread = {k: _spread(ext, np.asarray(i)) for k, i in kept}
    districts, places = _columns([(d, p, spread[(d, p)], len(i)) for (d, p), i in kept])
    # every neighbourhood by its own name (the timeline's search: its budget has room for all 6,791)
    hoods = [(d, name, _spread(ext, np.array([i])), 1) for i, (name, d) in enumerate(zip(msoas["name"], msoas["district"]))]
    hood_districts, neighbourhoods = _columns(hoods)
    neighbourhoods.pop("n")
    neighbourhoods["districts"] = hood_districts
    return {"towns": towns, "districts": districts, "places": places, "neighbourhoods": neighbourhoods,
            "source": "Neighbourhood names: House of Commons Library, MSOA names 2011 (Open Parliament Licence "
                      "v3.0); major towns and cities: ONS, December 2015 (OGL v3)"}


def _columns(items: list[tuple[str, str, tuple[int, int, int], int]]) -> tuple[list[str], dict]:
    """Named places as columns by district (a third fewer bytes than a list of records): ``items`` are
    (district, name, (x, y, half-side) in thousandths of a degree, neighbourhoods). By district, south to
    north, each centre a small step from the one before.

    Returns
    -------
    (list of str, dict)
        The districts, and ``names`` joined by "|", ``per`` (places of each district), ``step``, ``dx``,
        ``dy``, ``r`` (in :data:`PLACE_STEP` thousandths of a degree) and ``n``.
    """
    items = sorted(items, key=lambda t: (t[0], t[2][1], t[1]))
    districts = list(dict.fromkeys(t[0] for t in items))
    per = [sum(1 for t in items if t[0] == dist) for dist in districts]
    xs = np.round(np.array([t[2][0] for t in items]) / PLACE_STEP).astype(int)
    ys = np.round(np.array([t[2][1] for t in items]) / PLACE_STEP).astype(int)
    return districts, {"names": "|".join(t[1].replace("|", "/") for t in items), "per": per, "step": PLACE_STEP,
                       "dx": np.diff(xs, prepend=0).tolist(), "dy": np.diff(ys, prepend=0).tolist(),
                       "r": [max(1, round(t[2][2] / PLACE_STEP)) for t in items], "n": [t[3] for t in items]}


#: What each kind of page carries (:func:`page_places`): more names where its budget has room.
DETAIL = ("towns", "places", "neighbourhoods")


def page_places(atlas: Any, detail: str) -> dict | None:
    """What one page carries: the towns (a check's page), with the places named by neighbourhoods (the
    atlas), and with every neighbourhood by its own name too (the timeline); None without a catalogue."""
    if detail not in DETAIL:
        raise ValueError(f"detail must be one of {DETAIL}, not {detail!r}")
    got = read_places(atlas)
    if got is None:
        return None
    if detail == "towns":
        return {"towns": got["towns"], "source": got["source"].split("; ")[1]}
    return {k: v for k, v in got.items() if k != "neighbourhoods" or detail == "neighbourhoods"}
