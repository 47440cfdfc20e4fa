"""The registry: every declaration of the atlas, read from the package's TOML files.

Like the boundary catalogue (and xyzservices' providers), what the atlas knows is data, not code:

``layers.toml``
    one declaration per boundary layer of every era (:class:`LayerSpec`);
``footprints.toml``
    the vintages a footprint set's members may come from, the nouns of member units and the shipped
    footprint sets (:class:`MemberVintage`, :class:`FootprintSet`);
``presets.toml``
    the named checks;
``maps.toml``
    how the atlas page draws each layer (style, noun, parents shown) and which districts name the places
    under a layer of each era;
``timeline.toml``
    the eras of the timeline and the commissioners of the over-time table, with their short labels;
``populations.toml``
    the layers made of GP practices, on which registered patients are held;
``planner.toml``
    the planner page: the unit layers a plan may be drawn over, with their councils, regions, starting
    plans and advice instances (:func:`planner`).

Adding a vintage, a proposal set or a question is a declaration (plus its catalogue entries or table).
The files of ``$COMMISSIONING_ATLAS_DECLARATIONS`` (same names, any of them) are read after the package's
and add to them. A bad declaration is one line naming the file, the row (the entry's number in its file)
and the problem: an unknown field, a missing one, an id declared twice, a reference to an undeclared layer.
This module only reads the declarations into records and answers questions about them (eras, ids,
suggestions).

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
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError, DataError, PackageError

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


@dataclass(frozen=True)
class MemberVintage:
    """The units a footprint set of one vintage may name (``[[vintage]]`` of ``footprints.toml``).

    Attributes
    ----------
    id : str
        The vintage, e.g. ``"2013"``.
    members : tuple of str
        Layers whose units may be members, the usual one first.
    atom : str
        The finest units: exclusivity is checked on these.
    basis : str
        Default population basis of a set of this vintage.
    """

    id: str
    members: tuple[str, ...]
    atom: str
    basis: str


@dataclass(frozen=True)
class FootprintSet:
    """A shipped footprint set (``[[set]]`` of ``footprints.toml``).

    Attributes
    ----------
    id, title, vintage, era, date, basis : str
        As for a layer: the vintage as published, the year shown, the ISO date, the default basis.
    table : str
        Its table, under ``geo/`` (or beside the declaration file that names it).
    units : str
        A layer its members are units of (an atlas without it cannot hold the set).
    member_vintage, complete_with, scenario_replaces : str or None
        See ``footprints.toml``.
    folder : Path or None
        The folder of ``table`` for a set of ``$COMMISSIONING_ATLAS_DECLARATIONS``; None: ``geo/``.
    """

    id: str
    table: str
    title: str
    vintage: str
    era: str
    date: str
    basis: str
    units: str
    member_vintage: str | None = None
    complete_with: str | None = None
    scenario_replaces: str | None = None
    folder: Path | None = None

    @property
    def path(self) -> Path:
        """The set's table."""
        return (self.folder or settings.geo_dir()) / self.table


@dataclass(frozen=True)
class Declarations:
    """Everything declared, validated: see the module's docstring."""

    layers: dict[str, LayerSpec]
    vintages: dict[str, MemberVintage]
    nouns: dict[str, str]
    sets: dict[str, FootprintSet]
    presets: dict[str, dict]
    styles: tuple[dict, ...]
    eras: tuple[dict, ...]
    commissioners: dict[str, str]
    practice_layers: tuple[str, ...] = ()
    planner: dict = field(default_factory=dict, compare=False, hash=False)
    names: dict[str, str] = field(default_factory=dict)


#: The declaration files, each with its tables.
FILES = {"layers.toml": ("layer",), "footprints.toml": ("vintage", "noun", "set"), "presets.toml": ("preset",),
         "maps.toml": ("style", "names"), "timeline.toml": ("era", "commissioner"), "populations.toml": ("practice_layer",),
         "planner.toml": ("default_units", "default_start", "default_threshold", "units", "prefixes")}
_STR, _LIST, _BOOL, _NUM = str, list, bool, (int, float)
#: Fields of each table: name -> (type, required); the first field is the entry's id.
_FIELDS: dict[str, dict[str, tuple]] = {
    "vintage": {"id": (_STR, True), "members": (_LIST, True), "atom": (_STR, True), "basis": (_STR, True)},
    "noun": {"layer": (_STR, True), "noun": (_STR, True)},
    "set": {"id": (_STR, True), "table": (_STR, True), "title": (_STR, True), "vintage": (_STR, True),
            "era": (_STR, True), "date": (_STR, True), "basis": (_STR, True), "units": (_STR, True),
            "member_vintage": (_STR, False), "complete_with": (_STR, False), "scenario_replaces": (_STR, False)},
    "preset": {"id": (_STR, True), "title": (_STR, True), "subject": (_STR, True), "against": (_STR, False),
               "rules": (_LIST, True), "question": (_STR, True)},
    "style": {"id": (_STR, True), "show": (_BOOL, True), "colour": (_STR, True), "weight": (_NUM, True),
              "dash": (_STR, False), "noun": (_STR, True), "parents": (_LIST, False)},
    "names": {"layer": (_STR, True), "eras": (_LIST, True)},
    "era": {"key": (_STR, True), "label": (_STR, True), "layer": (_STR, True), "lines": (_LIST, False),
            "changes": (_LIST, False)},
    "commissioner": {"layer": (_STR, True), "short": (_STR, True)},
    "practice_layer": {"id": (_STR, True)},
}
#: Layer fields of each table that must name a declared layer (or footprint set, where the table says).
_REFS = {"vintage": ("members", "atom"), "noun": ("layer",), "set": ("units", "complete_with"),
         "preset": ("subject", "against"), "style": ("parents",), "names": ("layer",), "era": ("layer", "lines", "changes"),
         "commissioner": ("layer",), "practice_layer": ("id",)}


def _parse(data: dict, origin: str) -> dict[str, LayerSpec]:
    """The layer declarations of one parsed ``layers.toml`` (see :func:`_parse_layers`)."""
    return _parse_layers([(origin, data)])


def _parse_layers(files: list[tuple[str, dict]]) -> dict[str, LayerSpec]:
    specs: dict[str, LayerSpec] = {}
    where: dict[str, tuple[str, int]] = {}
    for origin, data in files:
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
            where[spec.id] = (origin, i)
    for spec in specs.values():
        for dep in (*spec.needs(), spec.parent, spec.params.get("dissolve_from")):
            if dep and dep not in specs:
                raise DataError(f"layer {spec.id} refers to undeclared layer {dep!r}", path=where[spec.id][0],
                                row=where[spec.id][1])
    return specs


def _entries(files: list[tuple[str, dict, Path | None]], table: str) -> list[tuple[dict, str, int, Path | None]]:
    """The entries of ``table`` in every file, checked field by field: (entry, file, row, folder)."""
    fields = _FIELDS[table]
    key = next(iter(fields))
    seen: set[str] = set()
    out = []
    for origin, data, folder in files:
        entries = data.get(table, [])
        if not isinstance(entries, list):
            raise DataError(f"{table!r} must be an array of tables ([[{table}]])", path=origin)
        for i, d in enumerate(entries, start=1):
            _check_fields(d, fields, f"{table} {d.get(key, '?')}" if isinstance(d, dict) else table, origin, i,
                          missing=f"{table} declaration")
            if d[key] in seen:
                raise DataError(f"{table} {d[key]} declared twice", path=origin, row=i)
            seen.add(d[key])
            out.append((d, origin, i, folder))
    return out


def _check_refs(entries, table: str, known) -> None:
    """Every layer an entry names is declared (``known``: layers, and footprint sets where they may be named)."""
    key = next(iter(_FIELDS[table]))
    for d, origin, row, _ in entries:
        for name in _REFS[table]:
            v = d.get(name)
            for dep in ([v] if isinstance(v, str) else v or []):
                if dep not in known:
                    raise DataError(f"{table} {d[key]} refers to undeclared layer {dep!r}", path=origin, row=row)


def _read(files: list[tuple[str, dict, Path | None]]) -> Declarations:
    """Validate the parsed declaration files (the package's first) into :class:`Declarations`."""
    by_file: dict[str, list] = {}
    for name, data, folder in files:
        base = Path(name).name
        unknown = set(data) - set(FILES[base])
        if unknown:
            raise DataError(f"unknown table(s) {sorted(unknown)}; {base} declares {', '.join(FILES[base])}",
                            path=name)
        by_file.setdefault(base, []).append((name, data, folder))
    layers = _parse_layers([(n, d) for n, d, _ in by_file.get("layers.toml", [])])
    fp = by_file.get("footprints.toml", [])
    vintage_e, noun_e, set_e = _entries(fp, "vintage"), _entries(fp, "noun"), _entries(fp, "set")
    _check_refs(vintage_e, "vintage", layers)
    _check_refs(noun_e, "noun", layers)
    _check_refs(set_e, "set", layers)
    vintages = {d["id"]: MemberVintage(d["id"], tuple(d["members"]), d["atom"], d["basis"])
                for d, *_ in vintage_e}
    sets = {}
    for d, origin, row, folder in set_e:
        if d["id"] in layers:
            raise DataError(f"set {d['id']} is also declared as a layer", path=origin, row=row)
        if d.get("member_vintage") and d["member_vintage"] not in vintages:
            raise DataError(f"set {d['id']}: member_vintage {d['member_vintage']!r} is not a declared vintage "
                            f"({', '.join(vintages)})", path=origin, row=row)
        sets[d["id"]] = FootprintSet(**d, folder=folder)
    with_sets = {**layers, **sets}
    preset_e = _entries(by_file.get("presets.toml", []), "preset")
    _check_refs(preset_e, "preset", with_sets)
    from commissioning_atlas.checks.crosstab import RULES

    presets = {}
    for d, origin, row, _ in preset_e:
        bad = [r for r in d["rules"] if r not in RULES]
        if bad or not d["rules"]:
            raise DataError(f"preset {d['id']}: unknown rule {bad[0]!r}; rules are {', '.join(RULES)}" if bad else
                            f"preset {d['id']}: no rules", path=origin, row=row)
        presets[d["id"]] = {"title": d["title"], "subject": d["subject"], "against": d.get("against"),
                            "rules": tuple(d["rules"]), "question": d["question"]}
    style_e = _entries(by_file.get("maps.toml", []), "style")
    _check_refs([(d, o, r, f) for d, o, r, f in style_e if d["id"] != "scenario"], "style", with_sets)
    for d, origin, row, _ in style_e:
        if d["id"] not in with_sets and d["id"] != "scenario":
            raise DataError(f"style {d['id']} refers to undeclared layer {d['id']!r}", path=origin, row=row)
    styles = tuple({"id": d["id"], "show": d["show"], "colour": d["colour"], "weight": float(d["weight"]),
                    "dash": d.get("dash", ""), "noun": d["noun"], "parents": tuple(d.get("parents", ()))}
                   for d, *_ in style_e)
    names_e = _entries(by_file.get("maps.toml", []), "names")
    _check_refs(names_e, "names", layers)
    names: dict[str, str] = {}
    for d, origin, row, _ in names_e:
        for era in d["eras"]:
            if era in names:
                raise DataError(f"names: era {era} is named by both {names[era]} and {d['layer']}", path=origin, row=row)
            names[era] = d["layer"]
    tl = by_file.get("timeline.toml", [])
    era_e, comm_e = _entries(tl, "era"), _entries(tl, "commissioner")
    _check_refs(era_e, "era", with_sets)
    _check_refs(comm_e, "commissioner", with_sets)
    for d, origin, row, _ in era_e:
        if "changes" in d and len(d["changes"]) != 2:
            raise DataError(f"era {d['key']}: 'changes' must name two layers, the new and the old",
                            path=origin, row=row)
    eras = tuple({"key": d["key"], "label": d["label"], "layer": d["layer"], "lines": tuple(d.get("lines", ())),
                  "changes": tuple(d["changes"]) if "changes" in d else None} for d, *_ in era_e)
    practice_e = _entries(by_file.get("populations.toml", []), "practice_layer")
    _check_refs(practice_e, "practice_layer", with_sets)
    return Declarations(layers=layers, vintages=vintages, nouns={d["layer"]: d["noun"] for d, *_ in noun_e},
                        sets=sets, presets=presets, styles=styles, eras=eras,
                        commissioners={d["layer"]: d["short"] for d, *_ in comm_e},
                        practice_layers=tuple(d["id"] for d, *_ in practice_e),
                        planner=_planner(by_file.get("planner.toml", []), with_sets), names=names)


_TABLES = (list,)  # an array of tables (``[[units.<layer>.advice]]``), each checked on its own
#: Fields of a unit layer of ``planner.toml`` (``[units.<layer>]``) and of its advice instances: (type, required).
_PLANNER_UNIT = {"label": (_STR, True), "noun": (_STR, True), "councils": (_STR, True), "regions": (_STR, True),
                 "vintage": (_STR, True), "starts": (_LIST, True), "advice": (_TABLES, False)}
_PLANNER_ADVICE = {"units": (_STR, True), "floor": (_NUM, True), "within": (_STR, False),
                   "keep_whole": (_STR, False), "closest_to": (_STR, False)}
_PLANNER_TOP = {"default_units": _STR, "default_start": _STR, "default_threshold": _STR, "units": dict,
                "prefixes": dict}


def _check_fields(d: object, fields: dict, what: str, origin: str, row: int, missing: str | None = None) -> None:
    """One declared table: a table, no unknown field, every required one, each of its type.

    ``what`` names the entry in a message about a field's type, ``missing`` (default ``what``) in one
    about a missing field.
    """
    if not isinstance(d, dict):
        raise DataError(f"{what} must be a table", path=origin, row=row)
    unknown = set(d) - set(fields)
    if unknown:
        raise DataError(f"unknown field(s) {sorted(unknown)}", path=origin, row=row)
    for name, (kind, required) in fields.items():
        if name not in d:
            if required:
                raise DataError(f"{missing or what} is missing field {name!r}", path=origin, row=row)
            continue
        v = d[name]
        ok = isinstance(v, kind) and not (kind is not _BOOL and isinstance(v, bool))
        if kind is _LIST:
            ok = ok and all(isinstance(x, str) for x in v)
        if not ok:
            want = {_STR: "a string", _LIST: "a list of strings", _BOOL: "true or false",
                    _TABLES: "an array of tables"}.get(kind, "a number")
            raise DataError(f"{what}: field {name!r} must be {want}", path=origin, row=row)


def _planner(files: list[tuple[str, dict, Path | None]], known) -> dict:
    """The planner declarations (``planner.toml``): every unit layer, reference and start declared, no id twice.

    The row of a message is the unit layer's number in its file. The result has the file's shape
    (``default_units``, ``default_start``, ``default_threshold``, ``units`` by layer id, ``prefixes``).
    """
    out: dict = {"units": {}, "prefixes": {}}
    for origin, data, _ in files:
        for key, kind in _PLANNER_TOP.items():
            if key not in data:
                continue
            if not isinstance(data[key], kind):
                want = "a string" if kind is _STR else "a table"
                raise DataError(f"planner: {key!r} must be {want}", path=origin)
            if kind is _STR:
                if key in out:
                    raise DataError(f"planner {key} declared twice", path=origin)
                out[key] = data[key]
        for row, (units, spec) in enumerate(data.get("units", {}).items(), start=1):
            what = f"planner units {units}"
            if units in out["units"]:
                raise DataError(f"{what} declared twice", path=origin, row=row)
            _check_fields(spec, _PLANNER_UNIT, what, origin, row)
            for i, advice in enumerate(spec.get("advice", []), start=1):
                _check_fields(advice, _PLANNER_ADVICE, f"{what}, advice {i}", origin, row)
            refs = [units, spec["councils"], spec["regions"], *spec["starts"]]
            refs += [a[k] for a in spec.get("advice", []) for k in ("units", "within", "keep_whole", "closest_to")
                     if k in a]
            for dep in refs:
                if dep not in known:
                    raise DataError(f"{what} refers to undeclared layer {dep!r}", path=origin, row=row)
            out["units"][units] = spec
        for code, words in data.get("prefixes", {}).items():
            if code in out["prefixes"]:
                raise DataError(f"planner prefix {code} declared twice", path=origin)
            if not isinstance(words, str):
                raise DataError(f"planner prefix {code} must be a string", path=origin)
            out["prefixes"][code] = words
    if out["units"] or files:
        for key in ("default_units", "default_start", "default_threshold"):
            if key not in out:
                raise DataError(f"planner declarations are missing {key!r}", path=files[0][0] if files else None)
        if out["default_units"] not in out["units"]:
            raise DataError(f"planner default_units {out['default_units']!r} is not among the declared units "
                            f"({', '.join(out['units'])})", path=files[0][0])
        if out["default_start"] not in known:
            raise DataError(f"planner default_start refers to undeclared layer {out['default_start']!r}",
                            path=files[0][0])
    return {k: out[k] for k in _PLANNER_TOP if k in out}  # the file's order


def _load_toml(text: str, origin: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", path=origin) from None


@lru_cache(maxsize=4)
def _declarations(extra: str | None) -> Declarations:
    package = resources.files(__package__).joinpath("data")
    files = []
    for name in FILES:
        try:
            files.append((name, _load_toml(package.joinpath(name).read_text(encoding="utf-8"), name), None))
        except (DataError, UnicodeDecodeError, OSError) as exc:  # the package's own file: damaged, not user input
            what = exc.message if isinstance(exc, DataError) else " ".join(str(exc).split())
            raise PackageError(f"a file of the package is damaged ({what}); reinstall commissioning-atlas "
                               "(or git checkout the file in a source tree)", path=str(package.joinpath(name))) from None
    if extra:
        folder = Path(extra)
        if not folder.is_dir():
            raise DataError(f"${settings.DECLARATIONS_ENV} is not a folder", path=folder)
        for name in FILES:
            p = folder / name
            if p.is_file():
                files.append((str(p), _load_toml(p.read_text(encoding="utf-8"), str(p)), folder))
    return _read(files)


def declarations() -> Declarations:
    """Everything declared: the package's files, then those of ``$COMMISSIONING_ATLAS_DECLARATIONS``
    (read once per folder)."""
    extra = settings.declarations_dir()
    return _declarations(str(extra) if extra else None)


def registry() -> dict[str, LayerSpec]:
    """Every declared layer, in declaration order."""
    return declarations().layers


def footprint_sets() -> dict[str, FootprintSet]:
    """The declared footprint sets, in declaration order."""
    return declarations().sets


def member_vintages() -> dict[str, MemberVintage]:
    """The vintages a footprint set's members may come from, in order."""
    return declarations().vintages


def member_nouns() -> dict[str, str]:
    """What one unit of each member layer is called in a message ("PCT", "sub-ICB location")."""
    return declarations().nouns


def presets() -> dict[str, dict]:
    """The check presets: name -> ``title``, ``subject``, ``against`` (None for size), ``rules``, ``question``."""
    return declarations().presets


def map_styles() -> tuple[dict, ...]:
    """The atlas page's layers, bottom to top: ``id``, ``show``, ``colour``, ``weight``, ``dash``, ``noun``,
    ``parents``."""
    return declarations().styles


def reference_names(era: str | None) -> str | None:
    """The layer whose names label the places under a layer of ``era`` (``maps.toml``'s ``[[names]]``): the
    districts of that era, so a 2026 map never names a district abolished in 2020. An era not declared
    takes the latest declared era before it (the earliest, if none is before it); None when none is declared.

    Examples
    --------
    >>> reference_names("2026"), reference_names("2011")
    ('lad_2023', 'lad_2011')
    """
    names = declarations().names
    if not names:
        return None
    if era in names:
        return names[era]
    before = [e for e in names if era is not None and e <= str(era)]
    return names[max(before)] if before else names[min(names)]


def timeline_eras() -> tuple[dict, ...]:
    """The eras of the timeline in date order: ``key``, ``label``, ``layer``, ``lines``, ``changes``."""
    return declarations().eras


def practice_layers() -> tuple[str, ...]:
    """The layers made of 2022 GP practices, on which registered patients of May 2022 are held
    (``populations.toml``)."""
    return declarations().practice_layers


def planner() -> dict:
    """The planner page's declarations (``planner.toml``): ``default_units``, ``default_start``,
    ``default_threshold``, ``units`` (layer id -> ``label``, ``noun``, ``councils``, ``regions``, ``vintage``,
    ``starts``, ``advice``) and ``prefixes`` (ONS code prefix -> what such a unit is)."""
    return declarations().planner


def commissioners() -> dict[str, str]:
    """The commissioners of the over-time table in date order: layer -> short label."""
    return declarations().commissioners


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
