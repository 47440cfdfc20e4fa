"""Popups in words: names for codes, a feature's parents, its figures, and findings as sentences.

Every figure is written by :mod:`commissioning_atlas.io.formatting`, the functions the command line and the
reports use, so a map shows the CLI's digits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from commissioning_atlas.io import formatting
from commissioning_atlas.maps.encode import _plain
from commissioning_atlas.maps.figures import Figure, figures
from commissioning_atlas.maps.style import POPUP_TEXT, style_of

#: The basis of a residents figure where nothing names another (see :func:`basis_label`).
POPULATION_BASIS = "Census 2011 usual residents"


#: Short names of the bases for labels ("Residents (Census 2021)").
_SHORT = {"census_2011": "Census 2011", "census_2021": "Census 2021", "mid_2017": "ONS mid-2017",
          "mid_2019": "ONS mid-2019", "mid_2020": "ONS mid-2020", "registered_2013": "GP lists 2013",
          "registered_2022": "GP lists May 2022"}


def basis_label(basis: str | None) -> str:
    """A population basis as labels name it (``census_2021`` -> "Census 2021")."""
    return _SHORT.get(basis or "census_2011", basis or "Census 2011")


_ID = re.compile(r"\b([a-z]+(?:_[a-z]+)*_\d{4})\b")


def in_words(text: str, titles: dict[str, str] | None = None) -> str:
    """Ids in a table's text written as words: a population basis by its name ("census_2021" -> "Census
    2021"), a layer by its title and vintage where ``titles`` knows it, else left out with its brackets.

    Examples
    --------
    >>> in_words("population basis: residents (census_2021)")
    'population basis: residents (Census 2021)'
    >>> in_words("moved from Bassetlaw (stp_2021) to Notts (icb_2022)", {"icb_2022": "ICBs, July 2022"})
    'moved from Bassetlaw to Notts (ICBs, July 2022)'
    """
    titles = titles or {}

    def one(m: re.Match) -> str:
        word = m.group(1)
        return _SHORT.get(word) or titles.get(word) or "\x00"

    out = _ID.sub(one, str(text))
    return re.sub(r"\s*\(\x00\)|\x00", "", out)


def dated(atlas: Any, layer_id: str) -> str:
    """The date a layer's bodies are named with ("April 2023"); "" for a scenario (its vintage "user" is
    no date)."""
    return "" if layer_id == "scenario" else str(atlas.info(layer_id).get("vintage") or "")


def layer_titles(atlas: Any) -> dict[str, str]:
    """Layer id -> "Title, vintage" for :func:`in_words`."""
    memo = _memo(atlas)
    if "titles" not in memo:
        out = {}
        for lid in atlas.layer_ids():
            try:
                info = atlas.info(lid)
            except Exception:  # noqa: BLE001 - a layer without metadata keeps no title
                continue
            out[lid] = f"{info.get('title', lid)}, {info.get('vintage', '')}".strip(", ")
        memo["titles"] = out
    return memo["titles"]


def basis_title(basis: str | None) -> str:
    """A population basis in full, as a legend names it (``census_2021`` -> "Census 2021 usual residents")."""
    from commissioning_atlas.sources.population import get_basis

    try:
        return get_basis(basis or "census_2011").title
    except Exception:  # noqa: BLE001 - an unknown basis is named by its id
        return basis_label(basis)


def population(atlas: Any, layer_id: str | None = None) -> np.ndarray:
    """Residents per LSOA, aligned with ``atlas.lsoa`` rows, on ``layer_id``'s basis: the one place the maps
    take a population from.

    Returns
    -------
    numpy.ndarray of float
    """
    if hasattr(atlas, "population") and hasattr(atlas, "default_basis"):
        try:
            return atlas.population(atlas.default_basis(layer_id) if layer_id else None).astype(float)
        except Exception:  # noqa: BLE001 - an atlas of frames holds Census 2011 only
            pass
    return atlas.lsoa["population"].to_numpy(dtype=float)


def population_basis(atlas: Any, layer_id: str | None = None) -> str:
    """The basis id of :func:`population`'s residents for ``layer_id``."""
    if hasattr(atlas, "population") and hasattr(atlas, "default_basis"):
        try:
            basis = atlas.default_basis(layer_id) if layer_id else None
            atlas.population(basis)
            return basis or "census_2011"
        except Exception:  # noqa: BLE001 - an atlas of frames holds Census 2011 only
            pass
    return "census_2011"


def layer_basis(atlas: Any, layer_id: str) -> str:
    """The basis id of a layer's residents figures."""
    try:
        return atlas.layer(layer_id).attrs.get("population_basis") or atlas.default_basis(layer_id)
    except Exception:  # noqa: BLE001
        return "census_2011"


def layer_figures(atlas: Any, frame: pd.DataFrame, layer_id: str) -> list[Figure]:
    """The figures of a layer's frame (:func:`.figures.figures`), titled with the layer's population basis."""
    basis = frame.attrs.get("population_basis") or layer_basis(atlas, layer_id)
    return figures(frame, basis_title(basis), basis_label(basis))


def _memo(atlas: Any) -> dict:
    """The Atlas's store for this module (:meth:`Atlas.derived`); a throw-away dict for other objects."""
    derived = getattr(atlas, "derived", None)
    return derived("maps.describe", dict) if callable(derived) else {}


def code_names(atlas: Any) -> dict[str, str]:
    """Code -> name over every layer of the atlas (members are written as names)."""
    memo = _memo(atlas)
    if "names" not in memo:
        # every layer the atlas holds, the same whatever was built before (so a page's bytes do not depend
        # on the session); footprint sets only on a real build (an atlas of frames may not hold their units)
        real = hasattr(getattr(atlas, "ctx", None), "catalogue")
        wanted = [lid for lid in atlas.layer_ids() if lid != "lsoa_2011"
                  and (real or lid not in getattr(atlas, "footprint_set_ids", lambda: [])())]
        names: dict[str, str] = {}
        for lid in wanted:
            layer = atlas.layer(lid)
            names.update(zip(layer["code"].astype(str), layer["name"].astype(str)))
        memo["names"] = names
    return memo["names"]


def parent_shares(atlas: Any, layer_id: str, parent_id: str, floor: float = 0.01) -> dict[str, list[tuple[str, float]]]:
    """For each feature of a layer, the features of another layer its residents live in, with their shares.

    Parameters
    ----------
    atlas : Atlas
    layer_id, parent_id : str
        The layer and the layer of its parents (``"ccg_2013"``, ``"pct_2011"``).
    floor : float
        Shares below this are left out.

    Returns
    -------
    dict
        Feature code -> [(parent code, share of the feature's residents)], largest first.
    """
    memo = _memo(atlas)
    key = ("parents", layer_id, parent_id)
    if key in memo:
        return memo[key]
    pop = population(atlas, layer_id)
    ct = atlas.crosstab(layer_id, parent_id, {"pop": pop})  # parts by code, then parent code
    inside = ct.ka >= 0
    sums = pd.DataFrame({"code": atlas.membership_index(layer_id).codes[ct.ks[inside]].astype(str),
                         "parent": atlas.membership_index(parent_id).codes[ct.ka[inside]].astype(str),
                         "pop": ct.sums["pop"][inside]})
    sums["share"] = sums["pop"] / sums.groupby("code")["pop"].transform("sum").replace(0, np.nan)
    sums = sums[sums["share"] >= floor].sort_values(["code", "share", "parent"], ascending=[True, False, True])
    # each code's rows are consecutive: cut the columns there (a groupby loop took most of the time)
    codes, parents, shares = sums["code"].to_numpy(), sums["parent"].tolist(), sums["share"].astype(float).tolist()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]).tolist() if len(codes) else []
    out = {str(codes[a]): list(zip(parents[a:b], shares[a:b])) for a, b in zip(starts, starts[1:] + [len(codes)])}
    memo[key] = out
    return out


def _names_of(codes: str, names: dict[str, str]) -> str:
    parts = [c for c in re.split(r"[\s;,]+", str(codes)) if c]
    return ", ".join(names.get(c, c) for c in parts)


def feature_rows(atlas: Any, frame: pd.DataFrame, layer_id: str,
                 figs: list[Figure] | None = None) -> list[list[list[str]]]:
    """Each feature's popup lines after its heading: [label, text] pairs, in words.

    Figures first (residents, patients, area, residents per km² and the frame's other numeric columns:
    :func:`layer_figures`), then the parents of :attr:`LayerStyle.parents` (a single
    parent by name, several each with the share of residents in it, the basis named first; every parent body
    with its date: "Shares of residents (Census 2021): NHS Frimley Integrated Care Board (April 2026), 62.0%;
    ..."), then members as names, status, notes
    and the row's source. Codes appear only in a last "Code" line. ``figs``: the layer's figures, where the
    caller has them already.
    """
    names = code_names(atlas)
    style = style_of(layer_id)
    figs = layer_figures(atlas, frame, layer_id) if figs is None else figs
    basis = basis_label(population_basis(atlas, layer_id))  # the residents parent_shares counts
    parents = []
    have = set(atlas.layer_ids()) if style.parents else set()
    for pid in style.parents:
        if pid in have and pid != layer_id:
            info = atlas.info(pid)  # every parent carries its vintage: a 2023 council's ICB is not 2026's
            vintage = str(info.get("vintage") or "")
            title = f"{info.get('title', pid)} ({vintage})" if vintage else info.get("title", pid)
            parents.append((title, vintage, parent_shares(atlas, layer_id, pid)))
    rows = []
    for n, rec in enumerate(frame.to_dict("records")):
        code = str(rec["code"])
        lines = [[f.label, f.fmt(f.values[n])] for f in figs if not np.isnan(f.values[n])]
        for title, vintage, shares in parents:
            got = shares.get(code, [])
            if len(got) == 1:  # the name as it would be quoted, with its date beside it
                name = names.get(got[0][0], got[0][0])
                lines.append([title, f"{name} ({vintage})" if vintage else name])
            elif got:  # each body dated as it would be quoted, then its share, on the basis named first
                bodies = [f"{names.get(p, p)} ({vintage}), {formatting.share(s)}" if vintage else
                          f"{names.get(p, p)}, {formatting.share(s)}" for p, s in got[:6]]
                lines.append([title, f"Shares of residents ({basis}): " + "; ".join(bodies)
                              + (f"; {len(got) - 6} more" if len(got) > 6 else "")])
        for col, label in POPUP_TEXT:
            v = _plain(rec.get(col))
            if v is None:
                continue
            text = _names_of(v, names) if col in ("members", "partners") else str(v)
            if col == "note":  # a note written for a file ("in sha_2011 E18000004"): ids and codes in words
                text = in_words(_codes_to_names(text, names), layer_titles(atlas))
                text = re.sub(r"([^\s();][^();]*) \(\1\)", r"\1", text)  # "East Midlands (East Midlands)": once
            lines.append([label, text])
        lines.append(["Code", code + (f" (ODS {rec['ods_code']})" if _plain(rec.get("ods_code")) else "")])
        rows.append(lines)
    return rows


def _short(name: Any) -> str:
    return str(name).split(" (")[0] if name is not None else ""


def finding_sentence(rec: dict, subject_noun: str, against_noun: str, home: str | None) -> str:
    """One finding in words, with the CLI's figures.

    Examples
    --------
    >>> finding_sentence({"rule": "crosses", "class": "crossing part", "population": 248821,
    ...                   "share_population": 0.26449, "against_name": "South Central"}, "cluster", "SHA",
    ...                  "East Midlands")
    '248,821 residents, 26.4% of the cluster, live in South Central, outside its home SHA, East Midlands.'
    """
    rule, cls = str(rec.get("rule") or ""), str(rec.get("class") or "")
    people, share = formatting.people(rec.get("population")), formatting.share(rec.get("share_population"))
    against = _short(rec.get("against_name"))
    if rule == "crosses" and cls == "crossing part":
        where = f", outside its home {against_noun}, {home}" if home else f", outside its home {against_noun}"
        return f"{people} residents, {share} of the {subject_noun}, live in {against}{where}."
    if rule == "crosses" and cls == "home part":
        return f"{people} residents, {share} of the {subject_noun}, live in its home {against_noun}, {against}."
    if rule == "crosses":
        return f"{people} residents, {share} of the {subject_noun}, live in {against} ({cls})."
    if rule == "size":
        note = str(rec.get("note") or "")
        basis = in_words(note.split("population basis: ", 1)[1]) if "population basis: " in note else \
            f"residents ({basis_label(rec.get('population_basis'))})"
        limit = against.replace("minimum ", "the minimum of ").replace("maximum ", "the maximum of ")
        if not limit or not cls.startswith(("below", "above")):
            return f"{people} ({basis}): {cls or 'size'}."
        side = "below" if cls.startswith("below") else "above"
        return f"{people} ({basis}): {side} {limit}."
    if rule == "coterminosity":
        what = {"equal": f"covers the same area as the {against_noun}",
                "within": f"lies within the {against_noun}",
                "union": f"is a union of {against_noun}s:",
                "straddling": f"straddles {against_noun} boundaries:"}.get(cls, f"is {cls} against")
        return f"The {subject_noun} {what} {against}." if against else f"The {subject_noun} {what}."
    if rule == "splits" and cls in ("split part", "largest part"):  # subject: the body; against: the council
        subject = _short(rec.get("subject_name")) or f"another {subject_noun}"
        where = (f"outside the {subject_noun} holding most of the {against_noun}" if cls == "split part" else
                 f"the {subject_noun} holding most of the {against_noun}")
        return f"{people} residents of {against} ({share} of the {against_noun}'s) live in {subject}, {where}."
    if rule == "coverage":
        return f"{cls.capitalize() or 'Coverage'}: {people} residents" + (f" ({share})" if share else "") + "."
    return f"{cls or rule}: {people} residents" + (f", {share}" if share else "") + "."


def _codes_to_names(text: str, names: dict[str, str]) -> str:
    """Codes in a checks' note ("2.5% of E18000004's residents") written as names."""
    return re.sub(r"\b[A-Z][A-Z0-9]{3,9}\b", lambda m: names.get(m.group(0), m.group(0)), text)


def finding_rows(rec: dict, names: dict[str, str] | None = None, titles: dict[str, str] | None = None,
                 totals: dict[str, float] | None = None, vintages: dict[str, str] | None = None) -> list[list[str]]:
    """A finding's popup lines after its sentence (codes in its note written as names, ids as words).

    ``totals`` (code -> residents of the whole feature, of the subject and the reference layers) puts the
    whole body's residents beside a part's, so that a part's figure is not quoted as the body's; a split
    council's part has its council's total too. ``vintages`` (layer id -> vintage) dates the subject and
    the body it is checked against ("NHS Luton CCG (April 2013)").
    """
    vintages = vintages or {}
    lines = []
    for col, label in (("subject_name", "Subject"), ("against_name", "Against"), ("class", "Finding"),
                       ("severity", "Severity")):
        v = _plain(rec.get(col))
        if v is not None:
            text = _short(v) if col == "against_name" else str(v)
            vintage = vintages.get(str(rec.get(col.replace("_name", "_layer"))), "") if col.endswith("_name") else ""
            lines.append([label, f"{text} ({vintage})" if vintage else text])
    for col, label, fmt in (("population", f"Residents ({basis_label(rec.get('population_basis'))})", formatting.people),
                            ("share_population", "Share of residents", formatting.share),
                            ("share_area", "Share of area", formatting.share),
                            ("area_km2", "Area (km\u00b2)", formatting.area)):
        v = _plain(rec.get(col), None)
        if v is not None and fmt(v):
            lines.append([label, fmt(v)])
        if col == "population" and rec.get("rule") != "size" and totals:
            whole = totals.get(str(rec.get("subject_code")))
            if whole is not None and v is not None and abs(whole - float(v)) >= 0.5:
                lines.append([f"Residents of the whole {_short(rec.get('subject_name'))}", formatting.people(whole)])
            whole = totals.get(str(rec.get("against_code"))) if rec.get("rule") == "splits" else None
            if whole is not None and v is not None and abs(whole - float(v)) >= 0.5:  # the council split
                lines.append([f"Residents of the whole {_short(rec.get('against_name'))}", formatting.people(whole)])
    for col, label in (("note", "Note"), ("tolerance", "Tolerance")):
        v = _plain(rec.get(col))
        if v is not None:
            lines.append([label, in_words(_codes_to_names(str(v), names or {}), titles or {})])
    if rec.get("rule") == "size" and rec.get("against_name"):
        m = re.search(r"\((.*)\)\s*$", str(rec["against_name"]))
        if m:
            lines.append(["Threshold source", m.group(1)])
    return lines


def homes(findings: pd.DataFrame) -> dict[str, str]:
    """Subject code -> the name of its home reference feature, from the findings' home parts."""
    if not {"rule", "class", "subject_code", "against_name"} <= set(findings.columns):
        return {}
    home = findings[(findings["rule"].astype(str) == "crosses") & (findings["class"].astype(str) == "home part")]
    return {str(c): _short(n) for c, n in zip(home["subject_code"], home["against_name"])}


def nouns(layer_ids: Sequence[str | None]) -> list[str]:
    """What one feature of each layer is called in a sentence."""
    return [style_of(lid).noun if lid else "area" for lid in layer_ids]
