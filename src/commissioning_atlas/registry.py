"""The layer registry: one declaration per boundary layer, every era (``layers.toml``).

Like the boundary catalogue (and xyzservices' providers), the registry is data: adding a vintage is a
declaration in ``layers.toml`` plus its catalogue entries, not new code. This module only reads the
declarations into records and answers questions about them (eras, ids, suggestions).

Examples
--------
>>> from commissioning_atlas.registry import layer_spec, layer_ids
>>> layer_spec("ccg_2019").expected
191
>>> "icb_2022" in layer_ids()
True
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from importlib import resources

from commissioning_atlas._errors import AtlasError, DataError

#: Build kinds a declaration may name (see ``layers.toml``).
KINDS = ("lsoa_base", "builder", "lsoa_lookup", "group", "regroup")
_KNOWN_FIELDS = {"id", "title", "body", "vintage", "date", "era", "kind", "sources", "parent", "expected",
                 "basis", "source", "builder", "needs", "dissolve_from", "of", "lsoa", "code", "name", "ods",
                 "key", "match", "polygons", "nest_exceptions", "table", "by", "base", "contains", "crosscheck_2024",
                 "moves", "area_teams_from", "outside", "outside_name", "note"}


@dataclass(frozen=True)
class LayerSpec:
    """One layer's declaration.

    Attributes
    ----------
    id : str
        Canonical id, e.g. ``"ccg_2019"``.
    title, body, vintage, date, era : str
        What the units are (``title``; ``body`` groups layers of one kind across years), the vintage as
        published, the ISO date the units took effect and the year shown in listings.
    kind : str
        One of :data:`KINDS`.
    sources : tuple of str
        Catalogue groups (and ``geo:<table>`` project tables) the layer is built from.
    parent : str or None
        Layer it must nest in; units named in ``nest_exceptions`` may straddle it (reported).
    expected : int
        Feature count, checked on every build.
    basis : str
        Default population basis (see :mod:`commissioning_atlas.sources.population`).
    source : str
        One line naming the source, for listings, maps and reports.
    params : dict
        Kind-specific fields (``of``, ``key``, ``code``, ``name``, ``ods``, ``lsoa``, ``builder``, ...).
    """

    id: str
    title: str
    body: str
    vintage: str
    date: str
    era: str
    kind: str
    sources: tuple[str, ...]
    expected: int
    basis: str
    source: str
    parent: str | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def year(self) -> int:
        """Year of :attr:`date`."""
        return int(self.date[:4])

    def needs(self) -> tuple[str, ...]:
        """Layers whose LSOA columns this layer is built from."""
        out = list(self.params.get("needs", ()))
        for k in ("of", "by", "base"):
            if self.params.get(k) and self.params[k] not in out:
                out.append(self.params[k])
        return tuple(out)

    def declaration(self) -> str:
        """A stable text of the declaration, for cache keys."""
        items = sorted({**self.params, "id": self.id, "kind": self.kind, "sources": list(self.sources),
                        "expected": self.expected, "parent": self.parent}.items())
        return repr(items)


def _parse(data: dict, origin: str) -> dict[str, LayerSpec]:
    specs: dict[str, LayerSpec] = {}
    for i, d in enumerate(data.get("layer", []), start=1):
        unknown = set(d) - _KNOWN_FIELDS
        if unknown:
            raise DataError(f"unknown field(s) {sorted(unknown)}", path=origin, row=i)
        try:
            spec = LayerSpec(
                id=d["id"], title=d["title"], body=d["body"], vintage=d["vintage"], date=d["date"], era=d["era"],
                kind=d["kind"], sources=tuple(d["sources"]), expected=int(d["expected"]), basis=d["basis"],
                source=d["source"], parent=d.get("parent"),
                params={k: v for k, v in d.items() if k not in {"id", "title", "body", "vintage", "date", "era",
                                                                "kind", "sources", "expected", "basis",
                                                                "source", "parent"}},
            )
        except KeyError as exc:
            raise DataError(f"layer declaration is missing field {exc}", path=origin, row=i) from None
        if spec.kind not in KINDS:
            raise DataError(f"unknown kind {spec.kind!r}; known: {', '.join(KINDS)}", path=origin, row=i)
        if spec.id in specs:
            raise DataError(f"layer {spec.id} declared twice", path=origin, row=i)
        specs[spec.id] = spec
    for spec in specs.values():
        for dep in (*spec.needs(), spec.parent, spec.params.get("dissolve_from")):
            if dep and dep not in specs:
                raise DataError(f"layer {spec.id} refers to undeclared layer {dep!r}", path=origin)
    return specs


@lru_cache(maxsize=1)
def registry() -> dict[str, LayerSpec]:
    """Every declared layer, in declaration order (read once from the packaged ``layers.toml``)."""
    text = resources.files(__package__).joinpath("data", "layers.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), "layers.toml")


def layer_ids() -> list[str]:
    """Declared boundary-layer ids, in display order (by date, then declaration order)."""
    reg = registry()
    order = {k: i for i, k in enumerate(reg)}
    return sorted(reg, key=lambda k: (reg[k].date[:4], order[k]))


def suggest(name: str, choices: list[str], what: str) -> AtlasError:
    """An error for an unknown ``name`` with the closest ``choices``."""
    near = get_close_matches(name, choices, n=3, cutoff=0.4)
    hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(choices)}"
    return AtlasError(f"unknown {what} {name!r}{hint}")


def layer_spec(layer_id: str) -> LayerSpec:
    """The declaration of ``layer_id``; an unknown id raises :class:`AtlasError` with suggestions."""
    reg = registry()
    if layer_id not in reg:
        raise suggest(layer_id, list(reg), "layer")
    return reg[layer_id]


def eras() -> list[str]:
    """The eras (years) of the declared layers, in order."""
    return sorted({s.era for s in registry().values()})


def layers_of_era(era: str) -> list[str]:
    """Layer ids of one era; an unknown era raises :class:`AtlasError` with suggestions."""
    known = eras()
    if str(era) not in known:
        raise suggest(str(era), known, "era")
    return [k for k in layer_ids() if registry()[k].era == str(era)]
