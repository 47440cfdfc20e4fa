"""What differs between two eras of the timeline: the sentence its side-by-side view shows.

Any two eras may be put side by side, so every pair is compared once, older against newer, by the
``changes`` rule of :mod:`commissioning_atlas.checks` on the layers the two maps draw (a crosstab of
their LSOAs: no geometry). The figures are counts of bodies and parts and the residents of the parts that
moved, on the newer layer's population basis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from commissioning_atlas.io import formatting
from commissioning_atlas.maps.describe import basis_label

#: Classes of the ``changes`` rule counted as parts that left their body.
MOVED = ("moved", "moved parent")


def pair_key(older: str, newer: str) -> str:
    """The key of a pair of eras in the page's data: ``"2011|2026"`` (older first)."""
    return f"{older}|{newer}"


def _noun(title: str) -> str:
    """A layer's title as a noun in a sentence: "Primary care trusts" -> "primary care trusts", but
    "ICB clusters" stays as it is."""
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


def pair_figures(f: pd.DataFrame, old_codes: Sequence[str], new_codes: Sequence[str]) -> dict[str, int]:
    """The counts of a ``changes`` table between two layers.

    Parameters
    ----------
    f : DataFrame
        Findings of the ``changes`` rule (newer layer as subject, older as against).
    old_codes, new_codes : sequence of str
        The two layers' codes.

    Returns
    -------
    dict
        ``merged`` (old bodies that went whole into a larger new one), ``split`` (old bodies divided, a
        new body made from part of one only), ``recoded`` (old bodies whose whole area is a new body under
        another code), ``moved`` (parts that left their body), ``people`` (their residents), ``slivers``
        (parts under the tolerance) and ``kept`` (codes in both layers that no part left or joined).
    """
    cls = f["class"].astype(str)
    moved = f[cls.isin(MOVED)]
    touched = set(f.loc[cls != "below tolerance", "subject_code"].astype(str)) | set(
        f.loc[cls != "below tolerance", "against_code"].astype(str))
    return {"merged": int(f.loc[cls == "merged", "against_code"].nunique()),
            "split": int(f.loc[cls == "split", "against_code"].nunique()),
            "recoded": int((cls == "recoded").sum()),
            "moved": len(moved),
            "people": int(moved["population"].sum()) if len(moved) else 0,
            "slivers": int((cls == "below tolerance").sum()),
            "kept": len((set(map(str, old_codes)) & set(map(str, new_codes))) - touched)}


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def pair_sentence(older: dict, newer: dict, fig: dict[str, int], basis: str) -> str:
    """The sentence for two eras: ``older`` and ``newer`` carry ``key``, ``bodies`` and ``noun``.

    Examples
    --------
    >>> pair_sentence({"key": "2021", "bodies": 106, "noun": "clinical commissioning groups"},
    ...               {"key": "2022", "bodies": 42, "noun": "integrated care boards"},
    ...               {"merged": 100, "split": 2, "recoded": 1, "moved": 3, "people": 1200, "slivers": 0,
    ...                "kept": 0}, "Census 2021")   # doctest: +NORMALIZE_WHITESPACE
    'From 2021 to 2022, 106 clinical commissioning groups became 42 integrated care boards: 100 went whole
    into a larger body, 2 were split, 1 kept its area under a new code, none kept its code and area; 3 parts
    moved to another body, with 1,200 residents (Census 2021).'
    """
    if older["key"] == newer["key"]:
        return f"Both maps show {older['key']}: nothing differs."
    kept = fig["kept"]
    lead = (f"From {older['key']} to {newer['key']}, {older['bodies']} {older['noun']} became "
            f"{newer['bodies']} {newer['noun']}")
    bits = [f"{fig['merged']} went whole into a larger body", f"{fig['split']} were split" if fig["split"] != 1
            else "1 was split", _n(fig["recoded"], "kept its area under a new code", "kept their area under a new code"),
            ("none kept its code and area" if not kept else
             _n(kept, "kept its code and area", "kept their code and area"))]
    moved = ("no part moved to another body" if not fig["moved"] else
             f"{_n(fig['moved'], 'part', 'parts')} moved to another body, with "
             f"{formatting.people(fig['people'])} residents ({basis})")
    slivers = (f" ({_n(fig['slivers'], 'sliver', 'slivers')} under the tolerance not counted)"
               if fig["slivers"] else "")
    return f"{lead}: {', '.join(bits)}; {moved}{slivers}."


def era_pairs(atlas: Any, eras: Sequence[Any]) -> dict[str, dict]:
    """Every pair of eras compared, older against newer, on the layers the maps draw.

    Parameters
    ----------
    atlas : Atlas
    eras : sequence of Era
        In date order.

    Returns
    -------
    dict
        :func:`pair_key` -> the figures of :func:`pair_figures`, ``basis`` (in words) and ``text``
        (:func:`pair_sentence`).
    """
    from commissioning_atlas.checks.crosstab import basis_of
    from commissioning_atlas.checks.rules import check_changes

    about = {}
    for e in eras:
        layer = atlas.layer(e.layer)
        about[e.key] = {"key": e.key, "bodies": len(layer), "codes": layer["code"].astype(str).tolist(),
                        "noun": _noun(str(atlas.info(e.layer).get("title", e.layer)))}
    out = {}
    for i, old in enumerate(eras):
        for new in eras[i + 1:]:
            f = check_changes(atlas, new.layer, old.layer, geometry=False)
            fig = pair_figures(f, about[old.key]["codes"], about[new.key]["codes"])
            basis = basis_label(basis_of(atlas, new.layer))
            out[pair_key(old.key, new.key)] = {**fig, "basis": basis,
                                               "text": pair_sentence(about[old.key], about[new.key], fig, basis)}
    return out
