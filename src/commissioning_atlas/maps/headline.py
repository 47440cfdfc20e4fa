"""What a check found, in words: the sentence a check's page opens with and the features it flags.

A check's page states its finding before anything is hovered: one sentence with the figures and their
population basis ("11 of the 36 ICBs of 1 April 2026 are under 1,000,000 residents (Census 2021): ..."),
and the flagged subject features, numbered, each with a short fact, which the page names on the map or in
a keyed list beside it. A size check with several thresholds gives one list per threshold (the reader
chooses which); its classes break at the thresholds (:func:`threshold_values`).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from commissioning_atlas.io import formatting
from commissioning_atlas.maps.describe import basis_label, dated
from commissioning_atlas.maps.figures import crossing_parts
from commissioning_atlas.maps.labels import label_text
from commissioning_atlas.maps.style import style_of

#: Names listed in a sentence before "and n more".
SHOWN = 4


def _nm(name: str) -> str:
    """A name as a sentence writes it: without "NHS " and its kind, on one line."""
    return " ".join(label_text(name, width=10_000).split())


#: The findings columns the sentence reads; a table without some (a hand-made one) has them empty.
_COLUMNS = ["rule", "class", "subject_code", "against_code", "against_name", "population", "share_population",
            "note", "population_basis"]


def _bad(findings: pd.DataFrame | None) -> pd.DataFrame:
    """The warnings and errors, with every column the sentence reads."""
    if findings is None or not len(findings) or "severity" not in findings.columns:
        return pd.DataFrame(columns=_COLUMNS)
    bad = findings[findings["severity"].astype(str).str.lower().isin(["error", "warning"])]
    missing = {c: [np.nan] * len(bad) for c in _COLUMNS if c not in bad.columns}
    return bad.assign(**missing) if missing else bad


def _plural(noun: str) -> str:
    return noun if noun.endswith("s") else noun + "s"


def subject_phrase(atlas: Any, layer_id: str) -> tuple[str, int, str]:
    """("the 36 ICBs of 1 April 2026", 36, "ICB"): a layer's features as a sentence names them."""
    info = atlas.info(layer_id)
    n = len(atlas.layer(layer_id))
    noun = style_of(layer_id).noun
    if noun == "area":  # a layer without a declared noun: its title ("Sub-ICB locations")
        noun = _noun_of(atlas, layer_id)
    vintage = str(info.get("vintage", "")).strip()
    if noun.startswith("proposed"):
        vintage = vintage.replace("proposed for ", "")
    if not str(info.get("era", "")).isdigit():  # a user's scenario: no vintage ("user") to name
        vintage = ""
    return f"the {n} {_plural(noun)}" + (f" of {vintage}" if vintage else ""), n, noun


def _figure(rows: pd.DataFrame) -> str:
    """The layer column the findings' figures are counted in: ``registered_2022`` (GP lists of May 2022),
    ``registered_population`` (GP lists of 2013) or ``population`` (residents)."""
    note = str(rows["note"].iloc[0]) if "note" in rows.columns and len(rows) else ""
    b = rows["population_basis"].dropna().astype(str) if "population_basis" in rows.columns else pd.Series([], dtype=str)
    if len(b) and b.iloc[0] == "registered_2022":
        return "registered_2022"
    return "registered_population" if "registered patients" in note else "population"


def _basis(rows: pd.DataFrame) -> str:
    """The population basis of findings in words ("Census 2021 residents", "GP lists 2013 patients")."""
    figure = _figure(rows)
    if figure == "registered_2022":
        return "registered patients (GP lists, 1 May 2022)"
    if figure == "registered_population":
        return "registered patients (GP lists, April-June 2013)"
    b = rows["population_basis"].dropna().astype(str) if "population_basis" in rows.columns else pd.Series([], dtype=str)
    return f"residents ({basis_label(b.iloc[0] if len(b) else None)})"


def _basis_words(rows: pd.DataFrame) -> str:
    """The basis as a bracket says it: "Census 2021 residents", "registered patients, GP lists 2013"."""
    figure = _figure(rows)
    if figure == "registered_2022":
        return "registered patients, May 2022"
    if figure == "registered_population":
        return "registered patients, GP lists of April-June 2013"
    return _basis(rows).replace("residents (", "").rstrip(")") + " residents"


def _noun_of(atlas: Any, layer_id: str | None) -> str:
    """What one feature of a layer is called ("SHA", "NHS commissioning region")."""
    if not layer_id:
        return ""
    noun = style_of(layer_id).noun
    if noun != "area":
        return noun
    title = str(atlas.info(layer_id).get("title", layer_id)).split(" (")[0]
    title = title[:1].lower() + title[1:] if title[1:2].islower() else title
    return title.removesuffix("s")


def _names(items: list[str], more: int) -> str:
    text = "; ".join(items)
    return text + (f"; and {more} more" if more > 0 else "")


def thresholds(findings: pd.DataFrame | None) -> list[dict]:
    """A size check's thresholds as flagged: label ("under 750,000"), limit, and the subject codes flagged.

    Returns
    -------
    list of dict
        ``key`` (threshold id), ``label``, ``limits`` (the numbers it breaks at) and ``codes`` (flagged
        subject codes, smallest first for a minimum, largest first for a maximum); fewest flagged first.
    """
    bad = _bad(findings)
    if not len(bad) or "rule" not in bad.columns:
        return []
    bad = bad[bad["rule"].astype(str) == "size"]
    out = []
    for key, grp in bad.groupby(bad["against_code"].astype(str), sort=False):
        parts, limits, codes = [], [], []
        for cls, sub in grp.groupby(grp["class"].astype(str), sort=True):
            limit = float(re.sub(r"[^\d.]", "", str(sub["against_name"].iloc[0]).split(" (")[0]) or "nan")
            below = cls.startswith("below")
            parts.append(("under " if below else "over ") + formatting.people(limit))
            limits.append(limit)
            sub = sub.sort_values("population", ascending=below, kind="stable")
            codes += [c for c in sub["subject_code"].astype(str) if c not in codes]
        label = " or ".join(sorted(parts, key=lambda p: not p.startswith("under")))
        out.append({"key": key, "label": label, "limits": sorted(limits), "codes": codes, "basis": _basis(grp),
                    "figure": _figure(grp)})
    out.sort(key=lambda t: (len(t["codes"]), t["key"]))
    return out


def threshold_values(findings: pd.DataFrame | None) -> list[float]:
    """Every limit of a size check's thresholds (the class breaks of its page), ascending."""
    return sorted({v for t in thresholds(findings) for v in t["limits"]})


def _size_sentence(ths: list[dict], subject: str, total: int, names: dict[str, str],
                   pops: dict[str, float]) -> str:
    ordered = sorted(ths, key=lambda t: (-len(t["codes"]), t["key"]))
    head = ordered[0]
    first = f"{len(head['codes'])} of {subject} are {head['label']} {head['basis']}"
    rest = "".join(f"; {len(t['codes'])} are {t['label']}" for t in ordered[1:])
    shown = ths[0]  # the list the page opens with: the fewest flagged
    items = [f"{_nm(names.get(c, c))} ({formatting.people(pops.get(c))})" for c in shown["codes"][:SHOWN]]
    which = "" if len(ths) == 1 else f" {shown['label']}"
    return f"{first}{rest}. Flagged{which}: {_names(items, len(shown['codes']) - SHOWN)}."


def _none_sentence(atlas: Any, meta: dict, subject: str, rules: tuple[str, ...]) -> str:
    against_noun = _noun_of(atlas, meta.get("against"))
    parts = []
    if "size" in rules:
        from commissioning_atlas.checks import read_thresholds

        th = read_thresholds()
        lid = meta.get("subject")
        ok = th["applies_to"].map(lambda s: s.strip() == "*" or lid in {x.strip() for x in s.split(";")})
        limits = []
        for t in th[ok.to_numpy()].itertuples(index=False):
            if t.min_population.strip():
                limits.append(f"under {formatting.people(float(t.min_population.replace(',', '')))}")
            if t.max_population.strip():
                limits.append(f"over {formatting.people(float(t.max_population.replace(',', '')))}")
        basis = _basis(pd.DataFrame({"population_basis": [meta.get("population_basis")]}))
        parts.append(f"none of {subject} is {' or '.join(limits) or 'outside its size range'} {basis}")
    if "crosses" in rules:
        parts.append(f"none of {subject} crosses {_article(against_noun)} {against_noun} line")
    if "splits" in rules:
        parts.append(f"no {against_noun} is split between them")
    if "coverage" in rules:
        parts.append("they cover England once, without gap or overlap")
    if "changes" in rules:
        parts.append("no part moved to another body")
    text = "; ".join(parts) or f"no finding for {subject}"
    return text[:1].upper() + text[1:] + "."


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" or noun[:3] in ("SHA", "NHS", "ICB") else "a"


def sentence(atlas: Any, findings: pd.DataFrame | None, meta: dict) -> str:
    """The one sentence a check's page opens with: what it found, with figures and basis.

    Parameters
    ----------
    atlas : Atlas
    findings : DataFrame
        The check's findings (:func:`commissioning_atlas.checks.run_preset`).
    meta : dict
        ``subject``, ``against``, ``rules``, ``population_basis``.

    Returns
    -------
    str
    """
    lid = meta["subject"]
    subject, total, _ = subject_phrase(atlas, lid)
    rules = tuple(meta.get("rules") or ())
    bad = _bad(findings)
    if not len(bad):
        return _none_sentence(atlas, meta, subject, rules)
    layer = atlas.layer(lid)
    names = dict(zip(layer["code"].astype(str), layer["name"].astype(str)))
    pops = dict(zip(bad["subject_code"].astype(str), pd.to_numeric(bad["population"], errors="coerce")))
    against_noun = _noun_of(atlas, meta.get("against"))
    rule = bad["rule"].astype(str)
    ths = thresholds(findings)
    if ths:
        return _size_sentence(ths, subject, total, names, pops)
    basis = _basis(bad)
    cross = bad[crossing_parts(bad)]
    if len(cross):
        n = cross["subject_code"].astype(str).nunique()
        cross = cross.sort_values(["population", "subject_code"], ascending=[False, True], kind="stable")
        items = [f"{_nm(names.get(c, c))}, {formatting.people(p)} ({formatting.share(s)}) in {_nm(str(a).split(' (')[0])}"
                 for c, p, s, a in zip(cross["subject_code"].astype(str), cross["population"],
                                       cross["share_population"], cross["against_name"])]
        total_people = formatting.people(pd.to_numeric(cross["population"], errors="coerce").sum())
        return (f"{n} of {subject} {'reaches' if n == 1 else 'reach'} across {_article(against_noun)} "
                f"{against_noun} line, with {total_people} {basis} outside {'its' if n == 1 else 'their'} home "
                f"{against_noun}: "
                f"{_names(items[:SHOWN], len(items) - SHOWN)}.")
    splits = bad[rule == "splits"]
    if len(splits):
        councils = splits["against_code"].astype(str).nunique()
        splits = splits.sort_values(["population", "against_code"], ascending=[False, True], kind="stable")
        items = [f"{str(a).split(' (')[0]}, {formatting.people(p)} ({formatting.share(s)}) in {_nm(names.get(c, c))}"
                 for a, p, s, c in zip(splits["against_name"], splits["population"], splits["share_population"],
                                       splits["subject_code"].astype(str))]
        # the councils' date where it is not the subject's: "3 councils of April 2023 ... the 36 ICBs of 1 April 2026"
        of = dated(atlas, meta["against"]) if meta.get("against") else ""
        of = f" of {of}" if of and of != dated(atlas, lid) else ""
        return (f"{formatting.count(councils, against_noun)}{of} {'is' if councils == 1 else 'are'} split between "
                f"{subject}, with a part in another body ({_basis_words(bad)}): {_names(items[:SHOWN], len(items) - SHOWN)}.")
    moved = bad[rule == "changes"]
    if len(moved):
        moved = moved.sort_values(["population", "subject_code"], ascending=[False, True], kind="stable")
        items = []
        for c, a, p, cls in zip(moved["subject_code"].astype(str), moved["against_name"], moved["population"],
                                moved["class"].astype(str)):
            verb = "moved whole to" if cls == "moved parent" else "went from"
            src = _nm(str(a))
            items.append(f"{formatting.people(p)} from {src} to {_nm(names.get(c, c))}" if verb == "went from"
                         else f"{src} ({formatting.people(p)}) {verb} {_nm(names.get(c, c))}")
        # the bodies moved from, where of another date than the page's: "from the 42 ICBs of April 2023 to the
        # 36 ICBs of 1 April 2026"
        of = dated(atlas, meta["against"]) if meta.get("against") else ""
        where = (f"from {subject_phrase(atlas, meta['against'])[0]} to {subject}" if of and of != dated(atlas, lid)
                 else "to another body")
        return (f"{formatting.count(len(moved), 'part')} moved {where} ({_basis_words(bad)}): "
                f"{_names(items[:SHOWN], len(items) - SHOWN)}.")
    straddle = bad[rule == "coterminosity"]
    cover = bad[rule == "coverage"]
    bits = []
    if len(straddle):
        n = straddle["subject_code"].astype(str).nunique()
        items = [_nm(names.get(c, c)) for c in dict.fromkeys(straddle["subject_code"].astype(str))]
        bits.append(f"{n} of {subject} straddle {against_noun} boundaries: {_names(items[:SHOWN], len(items) - SHOWN)}")
    if len(cover):
        kinds = cover["class"].astype(str).value_counts()
        pop = pd.to_numeric(cover["population"], errors="coerce")
        bits.append("; ".join(formatting.count(int(v), k) + (
            f" of {formatting.people(pop[cover['class'] == k].sum())} {basis}" if pop[cover["class"] == k].notna().any()
            else "") for k, v in kinds.items()))
    text = "; ".join(bits) or f"{formatting.count(len(bad), 'warning')} on {subject}"
    return text[:1].upper() + text[1:] + "."


def flagged(atlas: Any, findings: pd.DataFrame | None, subject_layer: str) -> dict[str, str]:
    """Subject code -> a short fact, for every subject feature with a warning or error (most telling first).

    The fact is what the page's keyed list says beside the name: the residents of a size check, the
    share outside its home for a crossing, the council split, the part moved.
    """
    bad = _bad(findings)
    if not len(bad) or "subject_code" not in bad.columns:
        return {}
    known = set(atlas.layer(subject_layer)["code"].astype(str))
    bad = bad.assign(_x=crossing_parts(bad).astype(int), _pop=pd.to_numeric(bad["population"], errors="coerce"))
    order = {"size": 0, "crosses": 1, "splits": 2, "changes": 3, "coverage": 4, "coterminosity": 5}
    bad = bad.assign(_r=bad["rule"].astype(str).map(order).fillna(9))
    bad = bad.sort_values(["_r", "_x", "_pop"], ascending=[True, False, False], kind="stable")
    out: dict[str, str] = {}
    for rec in bad.to_dict("records"):
        for code in str(rec["subject_code"]).split("+"):
            if code not in known or code in out:
                continue
            out[code] = _fact(rec)
    return out


def _fact(rec: dict) -> str:
    rule, cls = str(rec.get("rule")), str(rec.get("class"))
    people, share = formatting.people(rec.get("population")), formatting.share(rec.get("share_population"))
    against = _nm(str(rec.get("against_name") or "").split(" (")[0])
    if rule == "size":
        return people
    if rule == "crosses" and cls == "crossing part":
        return f"{share} ({people}) in {against}"
    if rule == "splits":
        return f"takes {share} of {against} ({people})"
    if rule == "changes":
        return f"gains {people} from {against}" if cls == "moved" else f"takes {against} whole ({people})"
    if rule == "coterminosity":
        return f"straddles {against}"
    return f"{cls}: {people}" if people else cls


def page_finding(atlas: Any, findings: pd.DataFrame | None, meta: dict) -> dict:
    """What a check's page carries about its finding: the sentence, the flagged features' facts and, for a
    size check, its thresholds (each with the indices of the features it flags)."""
    ths = thresholds(findings)
    facts = flagged(atlas, findings, meta["subject"])
    if ths:  # a size check lists its features smallest first (largest first over a maximum)
        facts = {c: facts[c] for c in ths[0]["codes"] if c in facts} | facts
    return {"sentence": sentence(atlas, findings, meta), "flagged": facts, "thresholds": ths}


def values_at(limits: list[float], values: np.ndarray) -> np.ndarray:
    """The class of each value against ascending limits: 0 below the first, i at or above the i-th."""
    return np.searchsorted(np.asarray(limits, dtype=float), np.asarray(values, dtype=float), side="right")
