"""One page's layers and geometry, collected into one pool of rings and stored as shared arcs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.strtree import STRtree

from commissioning_atlas import settings
from commissioning_atlas.io import formatting
from commissioning_atlas.maps.arcs import COORD_SCALE, _arc_table
from commissioning_atlas.maps.arctable import offsets, ring_table
from commissioning_atlas.maps.atoms import _layer_from_atoms, _page_atoms, page_web_points
from commissioning_atlas.maps.classes import classify, classify_at
from commissioning_atlas.maps.describe import (
    code_names,
    dated,
    feature_rows,
    finding_rows,
    finding_sentence,
    homes,
    layer_figures,
    layer_titles,
    nouns,
)
from commissioning_atlas.maps.encode import _plain
from commissioning_atlas.maps.figures import SHARE_CROSSING, crossing_parts
from commissioning_atlas.maps.labels import circles, label_points, label_text, short_text
from commissioning_atlas.maps.style import (
    _SEVERITY_ORDER,
    _STATUS_DASH,
    BASE_LAYER,
    CROSSING_BREAKS,
    CLASS_WORDS,
    DISTINCT,
    PALETTE,
    SEVERITY_COLOURS,
    LayerStyle,
    _status_class,
    greedy_colouring,
    style_of,
)
from commissioning_atlas.maps.transform import to_web_geometries

#: Finding columns a page keeps as data (the tests and :func:`read_page_data` users read them).
_FINDING_KEYS = ["rule", "class", "subject_code", "against_code", "severity"]


@dataclass
class _Builder:
    """Collects one page's layers and geometry; every ring goes into one pool, stored as shared arcs.

    ``page_layers`` are all the layers the page draws: they are simplified together (their atoms), so a
    boundary two of them share is one arc in the page.
    """

    atlas: Any
    tolerance: float
    page_layers: list[str]
    geometry: dict[str, list] = field(default_factory=dict)  # key -> features -> polygons -> ring ids
    rings: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # the pool: (vertices, lengths)
    n_rings: int = 0
    layers: list[dict] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    simple: dict[str, gpd.GeoSeries] = field(default_factory=dict)
    choropleth: str | None = None  # the figure the filled layer is coloured by when the page opens
    finding: dict | None = None  # a check's sentence and flagged features (see _flag)

    def offered(self) -> list[str]:
        """The keys of the figures the page's filled layers are classed by (the legend's chooser)."""
        keys: list[str] = []
        for layer in self.layers:
            if layer.get("kind") == "fill":
                keys += [c["key"] for c in layer.get("classes", []) if c["key"] not in keys]
        return keys

    def _source(self, layer_id: str) -> None:
        try:
            info = self.atlas.info(layer_id)
        except Exception:  # noqa: BLE001 - a layer without metadata still maps
            return
        text = f"{info.get('title', layer_id)} ({info.get('vintage', '')}): {info.get('source', '')}"
        if text not in self.sources:
            self.sources.append(text)

    def _frame(self, layer_id: str) -> gpd.GeoDataFrame:
        """The layer sorted by code, without the unit a lookup of some units only gives the rest of England
        (``outside`` in ``layers.toml``: "none", the districts outside every combined authority), which is no body:
        the page draws it as the land under the map, with no name, popup or search entry, and counts no feature."""
        layer = self.atlas.layer(layer_id)
        frame = layer.assign(_row=np.arange(len(layer))).sort_values("code", kind="stable")
        outside = _outside_code(layer_id)
        return frame[frame["code"].astype(str) != outside] if outside is not None else frame

    def _page(self) -> dict:
        """The page's simplified atoms (memoised in the Atlas)."""
        return _page_atoms(self.atlas, self.page_layers, self.tolerance)

    def encode(self, layer_id: str) -> gpd.GeoDataFrame:
        """Encode a layer's simplified geometry once; return the layer sorted by code."""
        frame = self._frame(layer_id)
        if layer_id not in self.geometry:
            simple = _layer_from_atoms(self.atlas, self._page(), layer_id)
            simple = simple.iloc[frame["_row"].to_numpy()]
            self.geometry[layer_id] = self._add(simple)
            self.simple[layer_id] = simple
        self._source(layer_id)
        return frame

    def _add(self, geoms: gpd.GeoSeries) -> list[list[list[int]]]:
        """Quantise features (EPSG:27700) into the ring pool; return features -> polygons -> ring ids."""
        if geoms.crs == settings.CRS:  # the page's atoms' vertices, looked up (to_crs would transform each again)
            web = to_web_geometries(geoms.to_numpy(), page_web_points(self._page()))
        else:
            web = geoms.to_crs(settings.WEB_CRS).to_numpy()
        rt = ring_table(web, COORD_SCALE)
        per_polygon = np.bincount(rt.polygon, minlength=len(rt.geometry))
        out: list[list[list[int]]] = [[] for _ in range(len(geoms))]
        for g, a, n in zip(rt.geometry.tolist(), (self.n_rings + offsets(per_polygon)).tolist(), per_polygon.tolist()):
            out[g].append(list(range(a, a + n)))
        self.rings.append((rt.xy, rt.lengths))
        self.n_rings += len(rt.lengths)
        return out

    def topology(self) -> tuple[list[list[int]], dict[str, list]]:
        """The page's arcs (flat integer deltas, first vertex absolute) and its geometry as arc refs."""
        if self.n_rings:
            at = _arc_table(np.concatenate([xy for xy, _ in self.rings]), np.concatenate([n for _, n in self.rings]))
            d = at.xy.copy()
            d[1:] -= at.xy[:-1]
            start = offsets(at.lengths)
            d[start] = at.xy[start]  # each arc's first vertex absolute, the rest deltas within the arc
            values = d.ravel().tolist()
            flat = [values[2 * a:2 * (a + n)] for a, n in zip(start.tolist(), at.lengths.tolist())]
            ids = at.refs.tolist()
            refs = [ids[a:a + n] for a, n in zip(offsets(at.ref_lengths).tolist(), at.ref_lengths.tolist())]
        else:
            flat, refs = [], []
        geometry = {k: [[[refs[r] for r in polygon] for polygon in feature] for feature in features]
                    for k, features in self.geometry.items()}
        return flat, geometry

    def source_line(self, layer_id: str) -> str:
        """"Title (vintage): source" of a layer, from the catalogue."""
        info = self.atlas.info(layer_id)
        return f"{info.get('title', layer_id)} ({info.get('vintage', '')}): {info.get('source', '')}"

    def base(self, layer_id: str = BASE_LAYER) -> None:
        """The land under every map (no outline); its edges with no neighbour are the coast."""
        self.encode(layer_id)
        self.layers.append({"id": "base", "geometry": layer_id, "title": "Land", "kind": "base",
                            "show": True, "control": False})

    def names(self, layer_ids: list[str]) -> None:
        """The light reference names (no shapes) shown at closer zooms: for each layer of ``layer_ids``, the
        districts of its era (:func:`.registry.reference_names`, declared in ``maps.toml``), so a map of 2026
        never names a district abolished in 2020.

        One list of names for every vintage the page needs (a district unchanged between vintages is one
        entry, ``v`` the indices of the vintages it belongs to); ``sets`` are the vintages, ``of`` the vintage
        of each layer id (the page shows the vintage of its topmost filled layer).
        """
        from commissioning_atlas.registry import reference_names

        available = set(self.atlas.layer_ids())

        def era_of(lid: str) -> str | None:
            try:
                era = str(self.atlas.info(lid).get("era") or "")
            except Exception:  # noqa: BLE001 - a layer without metadata has no era
                return None
            return era if era.isdigit() else None

        eras = {lid: era_of(lid) for lid in layer_ids}
        # a user's scenario has no era of its own: it takes that of the first page layer with one (the
        # councils an advice is drawn against, the SHAs of the atlas)
        first = next((e for e in eras.values() if e), None)
        of: dict[str, str] = {}
        for lid in layer_ids:
            ref = reference_names(eras[lid] or first)
            if ref in available:
                of[lid] = ref
        refs = list(dict.fromkeys(of.values()))
        if not refs:
            return
        derived = getattr(self.atlas, "derived", None)
        memo = derived("maps.names", dict) if callable(derived) else {}
        entries: dict[tuple, dict] = {}
        for k, ref in enumerate(refs):
            layer = self.atlas.layer(ref)
            hit = memo.get(ref)
            if hit is None or hit[0] is not layer:
                frame = layer.sort_values("code", kind="stable")
                pts, _ = label_points(frame.geometry.to_numpy())
                hit = (layer, [(label_text(n), p) for n, p in zip(frame["name"].astype(str), pts)])
                memo[ref] = hit
            for t, p in hit[1]:
                entries.setdefault((t, tuple(p)), {"t": t, "lp": p, "v": []})["v"].append(k)
            self._source(ref)
        features = list(entries.values())
        if len(refs) == 1:  # one vintage: every name is of it
            for f in features:
                del f["v"]
        sets = [{"layer": r, "title": f"{self.atlas.info(r).get('title', r)} ({self.atlas.info(r).get('vintage', '')})"}
                for r in refs]
        self.layers.append({"id": "names", "kind": "names", "show": True, "control": False, "title": sets[0]["title"],
                            "sets": sets, "of": {lid: refs.index(r) for lid, r in of.items()}, "features": features})

    def polygons(self, layer_id: str, show: bool, style: LayerStyle | None = None, line: bool = False,
                 title: str | None = None) -> None:
        """Add a layer: its features with their names, label points, popup lines and choropleth classes.

        ``line=True`` marks a reference layer that is only ever drawn as lines (a check's ``against``).
        """
        style = style or style_of(layer_id)
        frame = self.encode(layer_id)
        info = self.atlas.info(layer_id)
        pts, radii = label_points(self.simple[layer_id].to_numpy(), circles(self.atlas))
        figs = layer_figures(self.atlas, frame, layer_id)
        rows = feature_rows(self.atlas, frame, layer_id, figs)
        features = []
        for n, rec in enumerate(frame.drop(columns="geometry").to_dict("records")):
            name = _plain(rec.get("name")) or str(rec["code"])
            f = {"name": name, "t": label_text(name), "lp": pts[n], "lr": radii[n], "rows": rows[n]}
            if "status" in rec:
                sc = _status_class(rec["status"])
                if sc:
                    f["s"] = sc
            features.append(f)
        classes = []
        for fig in figs:
            c = classify(fig.values, fig.fmt)
            if c:
                classes.append({"key": fig.key, "title": fig.title, "row": fig.label, **c})
        statuses = sorted({f["s"] for f in features if "s" in f})
        self.layers.append({
            "id": layer_id, "geometry": layer_id, "kind": "line" if line else "fill", "show": bool(show),
            "control": True, "noun": style.noun, "source": self.source_line(layer_id),
            "title": title or f"{info.get('title', layer_id)} ({info.get('vintage', '')})",
            "vintage": dated(self.atlas, layer_id),  # each body named is dated (a place's popup)
            "style": {"color": style.colour, "weight": style.weight, "dash": style.dash},
            "status": [{"label": s, "dash": _STATUS_DASH.get(s, "")} for s in statuses],
            "classes": classes, "codes": frame["code"].astype(str).tolist(), "features": features,
        })

    def distinct(self, layer_id: str) -> None:
        """Colour a drawn layer's features so that no two neighbours are alike (:func:`greedy_colouring` over
        :data:`PALETTE`), offered first as the figure ``distinct``."""
        layer = next(l for l in self.layers if l.get("id") == layer_id)
        layer["status"] = []  # groups of one plan: outlined alike, solid (no status's dash, no status row)
        for f in layer["features"]:
            f.pop("s", None)
        for f in layer["features"]:  # a group of several ("NHS Lancashire + NHS Cumbria"): each without "NHS"
            parts = f["name"].split(" + ")
            f["t"] = label_text(" + ".join(label_text(p, width=10_000) for p in parts))
            short = " + ".join(short_text(p) for p in parts)
            if len(short) > 24 and len(parts) > 1:
                short = f"{short_text(parts[0])} + {len(parts) - 1} more"
            if short != f["t"].replace("\n", " "):
                f["ts"] = short
        colours = greedy_colouring(self.simple[layer_id].to_numpy())
        layer["classes"].insert(0, {"key": DISTINCT, "title": "Each its own colour (neighbours never alike)",
                                    "k": [int(c) for c in colours], "labels": [], "palette": PALETTE})

    def findings(self, findings: gpd.GeoDataFrame, title: str = "Findings",
                 subject_layer: str | None = None, finding: dict | None = None) -> dict[str, int]:
        """Add the findings layer and return the counts by severity of every finding, drawn or not.

        A finding whose geometry is its whole subject feature reuses that feature's encoding. A finding
        without a shape (no geometry, or one too small to survive rounding) is not drawn but listed in the
        layer's ``unshaped`` entries, which the legend shows; ``drawn`` is how many are drawn.
        """
        counts = {k: 0 for k in SEVERITY_COLOURS}
        self.geometry["findings"] = []
        layer = {"id": "findings", "geometry": "findings", "kind": "findings", "show": True, "control": True,
                 "title": title, "style": {}, "features": [], "unshaped": [], "drawn": 0, "rows": []}
        self.layers.append(layer)
        if findings is None or len(findings) == 0:
            self._flag(subject_layer, finding)  # "none of ...": the sentence all the same
            return counts
        f = findings.copy()
        if f.crs is None:
            f = f.set_crs(settings.CRS)
        elif f.crs != settings.CRS:
            f = f.to_crs(settings.CRS)
        sev = f["severity"].astype(str).str.lower() if "severity" in f.columns else pd.Series("info", index=f.index)
        f["_sev"] = sev.map(_SEVERITY_ORDER).fillna(3)
        # draw info first, errors last (on top); crossings on top of everything
        f["_cross"] = crossing_parts(f)
        sort_cols = [c for c in ["_cross", "_sev", "subject_code", "against_code", "rule"] if c in f.columns]
        f = f.sort_values(sort_cols, ascending=[True, False] + [True] * (len(sort_cols) - 2), kind="stable")
        geoms = f.geometry.to_numpy()
        shaped = ~(pd.isna(geoms) | shapely.is_empty(geoms))
        # whole-feature findings (coterminosity, size) point at the subject layer's geometry
        refs: list[list | None] = [None] * len(f)
        if subject_layer in self.geometry and "subject_code" in f.columns and shaped.any():
            subject = self._frame(subject_layer)
            pos = {str(c): i for i, c in enumerate(subject["code"])}
            sgeo = subject.geometry.to_numpy()
            area, bounds = shapely.area(geoms), shapely.bounds(geoms)
            sarea, sbounds = shapely.area(sgeo), shapely.bounds(sgeo)
            for n, code in enumerate(f["subject_code"].astype(str)):
                i = pos.get(code)
                if shaped[n] and i is not None and abs(area[n] - sarea[i]) <= 1.0 \
                        and np.allclose(bounds[n], sbounds[i], atol=1.0):
                    refs[n] = [subject_layer, i]
        own = shaped & np.array([r is None for r in refs], dtype=bool)
        poles = label_points(np.where(shaped, geoms, None), circles(self.atlas))
        home = homes(f)
        have = set(self.atlas.layer_ids())  # looked up once: it reads the declarations and the footprint files
        against_layer = next((str(v) for v in f.get("against_layer", pd.Series(dtype=object)).dropna()
                              if str(v) in have), None)
        subject_noun, against_noun = nouns([subject_layer, against_layer])
        names = code_names(self.atlas)
        titles = layer_titles(self.atlas)
        totals: dict[str, float] = {}  # the whole bodies' residents, beside a part's
        vintages: dict[str, str] = {}  # the subject's and the reference's dates, beside their names
        for lid in (against_layer, subject_layer):
            if lid in have:
                sub = self.atlas.layer(lid)
                if "population" in sub.columns:
                    totals.update(zip(sub["code"].astype(str), pd.to_numeric(sub["population"], errors="coerce")))
                # a scenario's organisations have no date: they are said to be proposed
                vintages[lid] = dated(self.atlas, lid) or (style_of(lid).noun if lid == "scenario" else "")
        enc_own = iter(self._add(gpd.GeoSeries(self._from_atoms(geoms[own]), crs=settings.CRS)))
        for n, (_, row) in enumerate(f.iterrows()):
            s = str(row.get("severity", "info")).lower()
            counts[s] = counts.get(s, 0) + 1
            rec = {k: _plain(v, None) for k, v in row.drop(labels=[c for c in ("geometry",) if c in row.index]).items()}
            name = " / ".join(str(x).split(" (")[0] for x in (rec.get("subject_name"), rec.get("against_name"))
                              if x) or str(rec.get("rule") or "finding")
            feat: dict[str, Any] = {
                "name": name, "sev": s, "x": bool(row["_cross"]),
                "sentence": finding_sentence(rec, subject_noun, against_noun, home.get(str(rec.get("subject_code")))),
                "rows": finding_rows(rec, names, titles, totals, vintages), "p": {k: rec[k] for k in _FINDING_KEYS if rec.get(k) is not None}}
            if feat["x"]:
                feat["share"] = formatting.share(rec.get("share_population"))
                feat["sk"] = int(np.searchsorted(CROSSING_BREAKS, float(rec.get("share_population") or 0.0),
                                                 side="right"))
            if shaped[n]:
                feat["lp"], feat["lr"] = poles[0][n], poles[1][n]
            g = next(enc_own) if own[n] else None
            if refs[n] is not None:
                feat["r"] = refs[n]
            elif g:
                feat["gi"] = len(self.geometry["findings"])
                self.geometry["findings"].append(g)
            else:  # no geometry, or too small to draw: listed, not drawn
                layer["unshaped"].append(feat)
                continue
            layer["features"].append(feat)
        layer["drawn"] = len(layer["features"])
        layer["rows"] = _legend_rows(f, against_noun)
        for row in layer["rows"]:  # drawn as whole subject features (outlined) or as parts (hatched)
            drawn = [x for x in layer["features"] if x["p"].get("class") == row["cls"] and x["sev"] == row["sev"]]
            row["whole"] = bool(drawn) and all("r" in x for x in drawn)
        self._subject_figures(f, subject_layer)
        self._flag(subject_layer, finding)
        # the list reads most severe first (the map draws them last, on top)
        layer["unshaped"].sort(key=lambda u: _SEVERITY_ORDER.get(u["sev"], 3))
        return counts

    def _subject_figures(self, f: pd.DataFrame, subject_layer: str | None) -> None:
        """Give the subject layer's features their number of findings (warning or error) and, when the check
        has crossing parts, a choropleth of the share of residents living outside their home."""
        subject = next((l for l in self.layers if l.get("id") == subject_layer and "codes" in l), None)
        if subject is None or "subject_code" not in f.columns:
            return
        bad = f[f["severity"].astype(str).str.lower().isin(["error", "warning"])] if "severity" in f.columns else f
        n = pd.Series([c for joined in bad["subject_code"].astype(str) for c in joined.split("+")]).value_counts()
        for code, feat in zip(subject["codes"], subject["features"]):
            feat["nf"] = int(n.get(code, 0))
        subject["findings"] = True
        cross = f[f["_cross"].astype(bool)]
        if len(cross) and "share_population" in cross.columns:
            share = cross.groupby(cross["subject_code"].astype(str))["share_population"].sum()
            values = np.array([share.get(c, 0.0) for c in subject["codes"]], dtype=float)
            c = classify(values, formatting.share)
            if c:
                subject["classes"].insert(0, {"key": SHARE_CROSSING, "title": "Share of residents outside "
                                              "their home", **c})

    def _flag(self, subject_layer: str | None, finding: dict | None) -> None:
        """The page's finding (:func:`.headline.page_finding`) as the page carries it: the sentence, and the
        flagged subject features by index, each with its fact (one list per threshold of a size check), and
        a size check's classes broken at its thresholds."""
        if not finding:
            return
        subject = next((l for l in self.layers if l.get("id") == subject_layer and "codes" in l), None)
        at = {c: i for i, c in enumerate(subject["codes"])} if subject else {}
        facts = finding.get("flagged", {})
        page = {"sentence": finding["sentence"], "layer": subject_layer,
                "key": [[at[c], fact] for c, fact in facts.items() if c in at]}
        for c in {c for t in (finding.get("thresholds") or []) for c in t["codes"]} | set(facts):
            if c in at:  # a flagged name that does not fit whole may fit short ("Shropshire, T&W")
                f = subject["features"][at[c]]
                short = short_text(f["name"])
                if short != f["t"].replace("\n", " "):
                    f["ts"] = short
        ths = finding.get("thresholds") or []
        if ths:
            page["thresholds"] = [{"id": t["key"], "label": t["label"], "key": [[at[c], facts.get(c, "")] for c in t["codes"] if c in at]}
                                  for t in ths]
            limits = sorted({v for t in ths for v in t["limits"]})
            figure = ths[0]["figure"]
            for c in subject["classes"] if subject else []:
                if c["key"] == figure:
                    values = self._values(subject_layer, figure)
                    c.update(classify_at(values, formatting.people, limits))
                    c["limits"] = [formatting.people(v) for v in limits]
                    if self.choropleth is None:
                        self.choropleth = figure
        self.finding = page

    def _values(self, layer_id: str, column: str) -> np.ndarray:
        frame = self._frame(layer_id)
        return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)

    def _from_atoms(self, geoms: np.ndarray) -> np.ndarray:
        """Simplify finding geometries as unions of the page's atoms, so a part lies exactly on the
        drawn boundaries and reuses their arcs. A geometry that is not a union of atoms (its atoms'
        area differs from its own) is simplified on its own, finer (at most 25 m), as a fallback."""
        out = np.empty(len(geoms), dtype=object)
        if not len(geoms):
            return out
        page = self._page()
        atoms, simple = page["atoms"], page["simple"]
        gi, ai = STRtree(shapely.point_on_surface(atoms)).query(geoms, predicate="contains")
        order = np.lexsort((ai, gi))
        gi, ai = gi[order], ai[order]
        starts = np.searchsorted(gi, np.arange(len(geoms)))
        ends = np.searchsorted(gi, np.arange(len(geoms)), side="right")
        atom_area, area = shapely.area(atoms), shapely.area(geoms)
        for n, (a, b) in enumerate(zip(starts, ends)):
            sel = ai[a:b]
            if b > a and abs(atom_area[sel].sum() - area[n]) <= max(1.0, 1e-6 * area[n]):
                out[n] = shapely.coverage_union_all(simple[sel])
            else:
                out[n] = shapely.make_valid(shapely.simplify(geoms[n], min(self.tolerance, 50.0) / 2,
                                                             preserve_topology=True))
        return out

    def bounds(self) -> list[list[float]]:
        if not self.n_rings:
            return [[49.9, -6.4], [55.9, 1.8]]
        xy = np.concatenate([xy for xy, _ in self.rings]) / np.asarray(COORD_SCALE, dtype=float)
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        return [[float(y0), float(x0)], [float(y1), float(x1)]]


def _outside_code(layer_id: str) -> str | None:
    """The code of a declared layer's "rest of England" unit (``outside``), if it has one."""
    from commissioning_atlas.registry import registry

    spec = registry().get(layer_id)
    outside = spec.params.get("outside") if spec is not None else None
    return str(outside) if outside else None


def _legend_rows(f: pd.DataFrame, against_noun: str) -> list[dict]:
    """The findings' legend rows in words, most severe first: one per severity and class that occurs
    (``sev``, ``x`` for a crossing part, ``text``, ``n``); a severity without findings has no row."""
    if "class" not in f.columns:
        return []
    sev = f["severity"].astype(str).str.lower() if "severity" in f.columns else pd.Series("info", index=f.index)
    groups = pd.DataFrame({"sev": sev, "cls": f["class"].astype(str), "x": f["_cross"].astype(bool),
                           "o": sev.map(_SEVERITY_ORDER).fillna(3)})
    rows = []
    for (_o, s, x, cls), grp in groups.groupby(["o", "sev", "x", "cls"], sort=True):
        words = CLASS_WORDS.get(cls, cls).format(against=against_noun or "area")
        rows.append({"sev": s, "x": bool(x), "text": words, "n": len(grp), "cls": cls})
    return rows
