"""Proposal tables and scenarios -> footprints (organisations as unions of member units).

A *proposal set* is a table with one row per organisation (a 2012 commissioning support
service, a 2013 commissioning support unit, or a user's what-if). Each organisation lists its
``members``: unit codes from one vintage of the atlas (2011-12: PCT clusters ``CL01``..``CL50``,
PCTs ``E16``/``E17`` or their ODS codes, SHAs ``E18``; 2013: CCGs ``E38`` or their ODS codes,
area teams ``E39``). Its *footprint* is the set of LSOAs of those units, dissolved into one
(multi)polygon with the Census 2011 resident population and, for 2013 sets, the GP registered
population of its CCGs.

Rules (documented in ``geo/README.md``, "Proposals and scenarios"):

* ``members`` of different organisations must not overlap (checked on the finest units: PCTs
  for 2011 sets, CCGs for 2013 sets) unless the scenario says ``exclusive: false``.
* ``partners`` are reported partners beyond the organisation's own units. They join the
  footprint only where ``partners_in_footprint`` is yes; they never count for exclusivity,
  so a footprint that includes partners may overlap its neighbours (the coverage check reports it).
* an in-house arrangement (``status`` starting with ``in-house``) still has a footprint but does
  not count as an organisation in :func:`count_organisations`.
* all units of a set are of one vintage.
* a set holds at most :data:`MAX_ORGANISATIONS` organisations of at most
  :data:`MAX_UNITS_PER_ORGANISATION` units each, and (with ``exclusive: false``) its finest units at
  most :data:`MAX_OVERLAP` times over; a YAML file nests at most :data:`MAX_YAML_DEPTH` levels, and
  each key appears once in a mapping. A file is at most :data:`MAX_FILE_BYTES`, a regular file (not a
  folder, pipe or device), UTF-8 text without NUL bytes.

Files are read as data only: CSV with the :mod:`csv` module, YAML with a ``yaml.SafeLoader`` (libyaml where installed);
nothing in them is ever evaluated.

Examples
--------
>>> from commissioning_atlas.footprints import read_proposals
>>> df = read_proposals("geo/css_2012.csv")          # doctest: +SKIP
>>> count_organisations(df)                           # doctest: +SKIP
41
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from contextvars import ContextVar
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from commissioning_atlas import settings
from commissioning_atlas._errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas

#: Columns every proposal set must have.
REQUIRED_COLUMNS = ["code", "name", "members"]
#: Optional columns, in output order (missing ones are filled with "").
OPTIONAL_COLUMNS = ["status", "date", "partners", "partners_in_footprint", "service_model",
                    "formed_from", "mergers", "source", "confidence", "note"]
#: Shipped proposal sets: id -> file under ``geo/``.
SHIPPED_SETS = {"css_2012": "css_2012.csv", "csu_2013": "csu_2013.csv", "icb_cluster_2025": "icb_cluster_2025.csv",
                "icb_merger_2027": "icb_merger_2027.csv"}
#: Options of shipped sets: the vintage of their units, and a layer whose units not named by any
#: organisation stand alone (the ICBs with no 2027 proposal).
SET_OPTIONS = {"icb_cluster_2025": {"vintage": "2023"},
               "icb_merger_2027": {"vintage": "2026", "complete_with": "icb_2026"}}
#: Layers whose units may be members, by vintage of the set (a set's units are of one vintage).
MEMBER_VINTAGES: dict[str, tuple[str, ...]] = {
    "2011": ("pct_cluster_2011", "pct_2011", "sha_2011"),
    "2013": ("ccg_2013", "nhs_area_team_2013"),
    "2022": ("icb_2022", "sicbl_2022", "utla_2021", "lad_2021"),
    "2023": ("icb_2023", "sicbl_2023", "utla_2023", "lad_2023"),
    "2026": ("icb_2026", "utla_2023", "lad_2023"),
}
#: Every member layer with the first vintage it serves.
MEMBER_LAYERS: dict[str, str] = {}
for _v, _ls in MEMBER_VINTAGES.items():
    for _l in _ls:
        MEMBER_LAYERS.setdefault(_l, _v)
#: The finest unit of each vintage: exclusivity is checked on these (LSOAs where councils may be members).
ATOM_LAYER = {"2011": "pct_2011", "2013": "ccg_2013", "2022": "lsoa_2011", "2023": "lsoa_2011", "2026": "lsoa_2011"}
LAYER_LABEL = {"pct_cluster_2011": "PCT cluster", "pct_2011": "PCT", "sha_2011": "SHA",
               "ccg_2013": "CCG", "nhs_area_team_2013": "NHS area team", "icb_2022": "ICB", "icb_2023": "ICB",
               "icb_2026": "ICB", "sicbl_2022": "sub-ICB location", "sicbl_2023": "sub-ICB location",
               "utla_2021": "upper-tier council", "utla_2023": "upper-tier council", "lad_2021": "district",
               "lad_2023": "district", "lsoa_2011": "LSOA"}
#: Boundary layers a scenario may start from (``base: icb_2026``): each unit becomes an organisation.
#: Set by :func:`load_footprint_set` to the atlas' layers while a file is read.
_BASE_LAYERS: ContextVar[Mapping | None] = ContextVar("_BASE_LAYERS", default=None)
#: Largest proposal file read (bytes): a guard against hostile input.
MAX_FILE_BYTES = 5_000_000
#: Most organisations a proposal set may hold (England had 41 support services, 211 CCGs).
MAX_ORGANISATIONS = 1_000
#: Most unit codes in one organisation's ``members`` or ``partners``.
MAX_UNITS_PER_ORGANISATION = 500
#: Most memberships of the finest units (PCTs or CCGs) in a whole set, as a multiple of England's
#: count: an exclusive set holds each at most once; ``exclusive: false`` may overlap up to this.
MAX_OVERLAP = 5
#: Deepest nesting of lists and mappings in a YAML scenario (a valid one needs 4).
MAX_YAML_DEPTH = 16
#: Most YAML nodes (scalars, lists, mappings, aliases) in a scenario.
MAX_YAML_NODES = 200_000
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_SPLIT = re.compile(r"[\s,;]+")
_CODE_OK = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")

__all__ = [
    "read_proposals", "validate_proposals", "unit_catalogue", "footprint_membership",
    "build_footprints", "count_organisations", "load_proposal_set", "load_footprint_set",
    "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS", "PLAN_COLUMNS", "is_plan_table", "plan_to_proposals",
]


# --------------------------------------------------------------------------- reading

@dataclass
class _Options:
    exclusive: bool = True
    vintage: str | None = None
    title: str | None = None


def _err(msg: str, path: Any = None, row: Any = None, column: Any = None) -> ScenarioError:
    return ScenarioError(msg, path=path, row=row, column=column)


def _read_text(path: Path) -> str:
    """The file's text, read as data: only a regular file, at most :data:`MAX_FILE_BYTES`, UTF-8, no NUL."""
    from commissioning_atlas.io.safe import os_error, register_input

    register_input(path)
    try:
        # O_NONBLOCK: a pipe given as a scenario must not hang the run; it is refused just below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _err(f"cannot read proposal file: {os_error(exc).message}", path=path) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _err("is a folder, expected a CSV or YAML file", path=path)
        if not stat.S_ISREG(st.st_mode):
            raise _err("is not a regular file (a pipe, device or socket); give a CSV or YAML file", path=path)
        if st.st_size > MAX_FILE_BYTES:
            raise _err(f"file too large ({st.st_size:,} bytes; at most {MAX_FILE_BYTES:,})", path=path)
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # never more, whatever the size said
    except OSError as exc:
        raise _err(f"cannot read proposal file: {os_error(exc).message}", path=path) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise _err(f"file too large (more than {MAX_FILE_BYTES:,} bytes)", path=path)
    is_csv = path.suffix.lower() in (".csv", ".txt")

    def where(offset: int) -> tuple[int, Any]:
        line = data.count(b"\n", 0, offset) + 1
        return line, ((line - 1 if line > 1 else "header") if is_csv else line)

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, row = where(exc.start)
        raise _err(f"not UTF-8 text (line {line}, byte {exc.start}); save the file as UTF-8", path=path,
                   row=row, column="(text)") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        line, row = where(nul)
        raise _err(f"holds a NUL byte (line {line}, byte {nul}): a proposal file is plain text", path=path,
                   row=row, column="(text)")
    return text


def _too_many(n: int, path: Path) -> ScenarioError:
    return _err(f"too many organisations ({n:,}; a scenario may hold at most {MAX_ORGANISATIONS:,})", path,
                row="(file)", column="(organisation)")


def _cell(value: Any, path: Path, row: int, column: str) -> str:
    """One YAML value -> text; lists of scalars are joined with spaces."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        return str(value)
    if hasattr(value, "isoformat"):  # YAML dates
        return value.isoformat()
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, (list, dict)) or v is None:
                raise _err("expected a list of codes, found a nested value", path, row, column)
            parts.append(str(v))
        return " ".join(parts)
    raise _err(f"expected text, found a {type(value).__name__}", path, row, column)


def _read_csv(path: Path, text: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise _err("empty file: expected a header row with code, name, members", path, row="header")
        header = [h.strip() for h in header]
        seen: set[str] = set()
        for h in header:
            if not h:
                raise _err("empty column name in the header", path, row="header")
            if h in seen:
                raise _err("column appears twice in the header", path, row="header", column=h)
            seen.add(h)
        records, rows, lines = [], [], []
        n = 0
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue  # blank lines
            n += 1
            if len(fields) != len(header):
                raise _err(f"malformed CSV: {len(fields)} fields where the header has {len(header)} "
                           f"(line {reader.line_num}; quote values that contain commas)",
                           path, row=n, column=header[min(len(fields), len(header)) - 1])
            if n > MAX_ORGANISATIONS:
                raise _too_many(n, path)
            records.append(fields)
            rows.append(n)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise _err(f"malformed CSV at line {reader.line_num}: {exc}", path,
                   row=max(reader.line_num - 1, 1), column="(text)") from None
    if not records:
        raise _err("no organisations: the file has a header row but no organisation rows", path, row="(file)",
                   column="(organisation)")
    df = pd.DataFrame(records, columns=header, dtype=object)
    df["_path"], df["_row"], df["_line"] = str(path), rows, lines
    return df


def _yaml_loader(path: Path):
    """A safe YAML loader (libyaml where installed) that refuses duplicate keys."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def mapping(loader, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue  # unhashable: the constructor reports it
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _err(f"duplicate key {str(key)[:40]!r} at line {line} (first at line {seen[key]}); "
                           "each key may appear once in a mapping", path, row=line, column=str(key)[:40])
            seen[key] = line
        return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    return Loader


def _yaml_guard(path: Path, text: str) -> None:
    """Refuse YAML nested deeper than :data:`MAX_YAML_DEPTH`, with more than :data:`MAX_YAML_NODES` nodes
    or more than :data:`MAX_ORGANISATIONS` organisations.

    Reads the event stream, which needs no recursion, before anything builds the (recursive) tree.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    opening = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closing = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    counted = (yaml.ScalarEvent, yaml.AliasEvent) + opening
    depth = nodes = orgs = 0
    stack: list[bool] = []  # True for a list
    try:
        for ev in yaml.parse(text, Loader=loader):
            if isinstance(ev, yaml.MappingStartEvent) and stack and stack[-1] and len(stack) <= 2:
                orgs += 1  # an organisation: a mapping in the top list, or in the list under the top mapping
                if orgs > MAX_ORGANISATIONS:
                    raise _err(f"too many organisations (more than the {MAX_ORGANISATIONS:,} a scenario may hold)",
                               path, row="(file)", column="(organisation)")
            if isinstance(ev, opening):
                stack.append(isinstance(ev, yaml.SequenceStartEvent))
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    line = ev.start_mark.line + 1
                    raise _err(f"nested more than {MAX_YAML_DEPTH} levels deep at line {line}; a scenario is "
                               "a list of organisations, each with lists of codes", path, row=line, column="(text)")
            elif isinstance(ev, closing):
                depth -= 1
                stack.pop()
            if isinstance(ev, counted):
                nodes += 1
                if nodes > MAX_YAML_NODES:
                    raise _err(f"too many YAML values (more than {MAX_YAML_NODES:,})", path, row="(file)",
                               column="(text)")
    except yaml.YAMLError:
        return  # malformed: the full parse reports where


def _yaml_lines(text: str) -> list[int]:
    """Line number (1-based) of each organisation in a YAML proposal file, if it can be found."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == "organisations":
                node = v
                break
    if isinstance(node, yaml.SequenceNode):
        return [item.start_mark.line + 1 for item in node.value]
    return []


def _read_yaml(path: Path, text: str, depth: int) -> tuple[pd.DataFrame, _Options]:
    import yaml

    _yaml_guard(path, text)
    try:
        data = yaml.load(text, Loader=_yaml_loader(path))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is not None:
            raise _err(f"malformed YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}",
                       path, row=mark.line + 1, column="(text)") from None
        raise _err(f"malformed YAML: {problem}", path, row="(file)", column="(text)") from None
    opts = _Options()
    base = None
    remove: list[str] = []
    if isinstance(data, dict):
        unknown = set(map(str, data)) - {"organisations", "base", "remove", "exclusive", "title", "description",
                                         "vintage", "units"}
        if unknown:
            raise _err(f"unknown top-level key(s) {', '.join(sorted(unknown))}; expected organisations, "
                       "base, remove, exclusive, title, description, vintage, units", path, row="(file)",
                       column=sorted(unknown)[0])
        if "units" in data and not isinstance(data["units"], str):  # the planner's unit layer: a note for readers
            raise _err("'units' must be a layer id such as sicbl_2023", path, row="(file)", column="units")
        if "vintage" in data:
            v = str(data["vintage"]).strip()
            if v not in MEMBER_VINTAGES:
                raise _err(f"'vintage' must be one of {', '.join(MEMBER_VINTAGES)}, not {v[:20]!r}", path,
                           row="(file)", column="vintage")
            opts.vintage = v
        if isinstance(data.get("title"), str):
            opts.title = data["title"]
        if "exclusive" in data:
            if not isinstance(data["exclusive"], bool):
                raise _err("'exclusive' must be true or false", path, row="(file)", column="exclusive")
            opts.exclusive = data["exclusive"]
        base = data.get("base")
        if base is not None and not isinstance(base, str):
            raise _err("'base' must be a set id (css_2012, csu_2013) or a file path", path, row="(file)", column="base")
        rm = data.get("remove") or []
        if isinstance(rm, str):
            rm = _SPLIT.split(rm.strip())
        if not isinstance(rm, list) or any(isinstance(x, (list, dict)) for x in rm):
            raise _err("'remove' must be a list of organisation codes", path, row="(file)", column="remove")
        remove = [str(x).strip() for x in rm if str(x).strip()]
        orgs = data.get("organisations", [])
        if orgs is None:
            orgs = []
    elif isinstance(data, list):
        orgs = data
    elif data is None:
        raise _err("empty file: expected a list of organisations", path, row="(file)", column="organisations")
    else:
        raise _err("expected a list of organisations or a mapping with 'organisations'", path,
                   row="(file)", column="organisations")
    if not isinstance(orgs, list):
        raise _err("'organisations' must be a list of mappings", path, row="(file)", column="organisations")
    if len(orgs) > MAX_ORGANISATIONS:
        raise _too_many(len(orgs), path)
    lines = _yaml_lines(text)
    records = []
    for i, org in enumerate(orgs, 1):
        if not isinstance(org, dict):
            raise _err("each organisation must be a mapping (code:, name:, members:, ...)", path, row=i,
                       column="(organisation)")
        rec = {str(k).strip(): _cell(v, path, i, str(k)) for k, v in org.items()}
        rec["_path"], rec["_row"] = str(path), i
        rec["_line"] = lines[i - 1] if i - 1 < len(lines) else None
        records.append(rec)
    for r in records:
        for c in REQUIRED_COLUMNS:
            if c not in r:
                raise _err(f"missing required key {c!r} (required: {', '.join(REQUIRED_COLUMNS)})",
                           path, row=r["_row"], column=c)
    if not records and base is None:
        raise _err("no organisations: expected a list of organisations", path, row="(file)", column="organisations")
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=[*REQUIRED_COLUMNS, "_path", "_row", "_line"])
    if base is not None:
        df = _apply_base(df, base, remove, path, depth)
        opts.vintage = opts.vintage or df.attrs.get("vintage")
    elif remove:
        raise _err("'remove' needs a 'base' set to remove from", path, row="(file)", column="remove")
    return df, opts


def _apply_base(df: pd.DataFrame, base: str, remove: list[str], path: Path, depth: int) -> pd.DataFrame:
    if depth > 4:
        raise _err("'base' chain too deep (more than 4 files): is a scenario its own base?", path,
                   row="(file)", column="base")
    layers = _BASE_LAYERS.get()
    if layers is not None and base in MEMBER_LAYERS and base.startswith("icb_"):
        out = _remove_from(df, layer_as_proposals(layers[base], base), base, remove, path)
        out.attrs["vintage"] = MEMBER_LAYERS[base]
        return out
    if base in SHIPPED_SETS:
        base_path = settings.geo_dir() / SHIPPED_SETS[base]
    else:
        base_path = (path.parent / base).resolve()
        if base_path == path.resolve():
            raise _err("a scenario cannot be its own base", path, row="(file)", column="base")
    if not base_path.exists():
        raise _err(f"base {base!r} not found (use css_2012, csu_2013 or a path relative to this file)",
                   path, row="(file)", column="base")
    if base_path.is_dir():
        raise _err(f"base {base!r} is a folder, expected a CSV or YAML file", path, row="(file)", column="base")
    if not base_path.is_file():
        raise _err(f"base {base!r} is not a regular file (a pipe, device or socket)", path, row="(file)",
                   column="base")
    base_df = read_proposals(base_path, _depth=depth + 1)
    opts = SET_OPTIONS.get(base, {})
    if opts.get("complete_with") and layers is not None:
        base_df = _complete_with(base_df, layers[opts["complete_with"]], opts["complete_with"])
    out = _remove_from(df, base_df, base, remove, path)
    vintage = base_df.attrs.get("vintage") or opts.get("vintage")
    if vintage:
        out.attrs["vintage"] = vintage
    return out


def layer_as_proposals(layer: pd.DataFrame, layer_id: str) -> pd.DataFrame:
    """A boundary layer as a proposal set: each unit an organisation of itself (code: its ODS code or code)."""
    ods = layer["ods_code"].fillna("").astype(str) if "ods_code" in layer else pd.Series("", index=layer.index)
    codes = [o or c for o, c in zip(ods, layer["code"].astype(str))]
    out = pd.DataFrame({"code": codes, "name": layer["name"].astype(str).to_numpy(), "members": codes,
                        "status": "stands alone (no proposal)", "source": f"the {layer_id} layer"})
    for c in OPTIONAL_COLUMNS:
        if c not in out:
            out[c] = ""
    out["partners_in_footprint"] = "no"
    return out


def _remove_from(df: pd.DataFrame, base_df: pd.DataFrame, base: str, remove: list[str], path: Path) -> pd.DataFrame:
    codes = set(base_df["code"].str.strip())
    for code in remove:
        if code not in codes:
            near = get_close_matches(code, sorted(codes), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise _err(f"cannot remove {code!r}: no such organisation in base {base!r}{hint}", path,
                       row="(file)", column="remove")
    replaced = set(df["code"].astype(str).str.strip()) if len(df) else set()
    keep = base_df[~base_df["code"].str.strip().isin(set(remove) | replaced)]
    out = pd.concat([keep, df], ignore_index=True, sort=False)
    if not len(out):
        raise _err(f"no organisations left: 'remove' drops every organisation of base {base!r}", path,
                   row="(file)", column="remove")
    if len(out) > MAX_ORGANISATIONS:
        raise _too_many(len(out), path)
    return out


#: Columns of a plan table (one row per unit, the convention redistricting tools share); ``unit_name`` and
#: ``group_name`` are optional (the planner page writes them), other columns are ignored.
PLAN_COLUMNS = ("unit_code", "group")


def is_plan_table(columns) -> bool:
    """A CSV header of a plan (``unit_code,group``) rather than an organisation table (``code,name,members``)."""
    cols = set(columns)
    return set(PLAN_COLUMNS) <= cols and "members" not in cols


def plan_to_proposals(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A plan table (one row per unit: ``unit_code``, ``group``) -> one organisation per group.

    A group's code is its ``group`` value where that is a valid organisation code, else ``G1``, ``G2`` ... in
    order of first appearance (the value becomes its name); its name is ``group_name`` where given. A unit
    with an empty ``group`` is unassigned (left out). Groups keep the order they first appear in.

    Raises
    ------
    ScenarioError
        An empty unit code, or a unit listed twice (naming both rows).
    """
    seen: dict[str, int] = {}
    groups: dict[str, dict] = {}
    unit_rows: dict[str, int] = {}
    gname = df["group_name"] if "group_name" in df.columns else None
    for i in range(len(df)):
        row = int(df["_row"].iat[i])
        unit = str(df["unit_code"].iat[i]).strip()
        group = str(df["group"].iat[i]).strip()
        if not unit:
            raise _err("empty unit code", path, row=row, column="unit_code")
        if unit.upper() in seen:
            raise _err(f"unit {unit[:40]!r} appears twice (rows {seen[unit.upper()]} and {row}); a plan puts each "
                       "unit in one group", path, row=row, column="unit_code")
        seen[unit.upper()] = row
        unit_rows[unit.upper()] = row
        if not group:
            continue  # unassigned
        g = groups.setdefault(group, {"members": [], "_row": row, "_line": df["_line"].iat[i], "name": ""})
        g["members"].append(unit)
        if gname is not None and not g["name"]:
            g["name"] = str(gname.iat[i]).strip()
    if not groups:
        raise _err("no groups: every unit of the plan is unassigned", path, row="(file)", column="group")
    if len(groups) > MAX_ORGANISATIONS:
        raise _too_many(len(groups), path)
    taken = {k for k in groups if _CODE_OK.match(k)}
    records, n = [], 0
    for key, g in groups.items():
        code = key
        if not _CODE_OK.match(key):
            n += 1
            while f"G{n}" in taken:
                n += 1
            code = f"G{n}"
            taken.add(code)
        if len(g["members"]) > MAX_UNITS_PER_ORGANISATION:
            raise _err(f"group {key[:40]!r} has too many units ({len(g['members']):,}; at most "
                       f"{MAX_UNITS_PER_ORGANISATION:,})", path, row=g["_row"], column="group")
        records.append({"code": code, "name": g["name"] or key, "members": " ".join(g["members"]),
                        "_path": str(path), "_row": g["_row"], "_line": g["_line"]})
    out = pd.DataFrame.from_records(records)
    out.attrs["unit_rows"] = unit_rows
    return out


def read_proposals(path: str | Path, *, _depth: int = 0) -> pd.DataFrame:
    """Read a proposal set (CSV or YAML) in the schema of ``geo/css_2012.csv``.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file (header row, one row per organisation) or a ``.yaml``/``.yml`` file: either a
        list of mappings, or a mapping with ``organisations`` (list), and optionally ``base`` (a shipped
        set id such as ``css_2012``, or a path relative to the file: the scenario starts from it),
        ``remove`` (codes of base organisations to drop; an organisation with the same code as a base
        one replaces it) and ``exclusive`` (``false`` allows members to overlap).

    Returns
    -------
    pandas.DataFrame
        One row per organisation, all columns text: :data:`REQUIRED_COLUMNS`, :data:`OPTIONAL_COLUMNS`
        and any extra columns of the file; plus ``_path``, ``_row`` and ``_line`` (where each row came
        from, for error messages). ``df.attrs["exclusive"]`` holds the exclusivity rule.

    Raises
    ------
    ScenarioError
        Unreadable or malformed file, missing required column, bad top-level keys.
    """
    path = Path(path)
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        df, opts = _read_yaml(path, text, _depth)
    elif suffix in (".csv", ".txt"):
        df, opts = _read_csv(path, text), _Options()
        if is_plan_table(df.columns):
            df = plan_to_proposals(df, path)
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            near = get_close_matches(missing[0], [c for c in df.columns if not c.startswith("_")], n=1, cutoff=0.6)
            hint = f" (found {near[0]!r})" if near else ""
            raise _err(f"missing required column {missing[0]!r}{hint}; required: {', '.join(REQUIRED_COLUMNS)}",
                       path, row="header", column=missing[0])
    else:
        raise _err(f"unknown file type {suffix or '(none)'!r}: use .csv, .yaml or .yml", path)
    for c in OPTIONAL_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    data_cols = [c for c in df.columns if not c.startswith("_")]
    df[data_cols] = df[data_cols].fillna("").astype(str)
    for c in ("code", "members", "partners", "partners_in_footprint", "status"):
        df[c] = df[c].str.strip()
    order = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    df = df[order + [c for c in df.columns if c not in order]].reset_index(drop=True)
    df.attrs["exclusive"] = opts.exclusive
    df.attrs["path"] = str(path)
    if opts.vintage:
        df.attrs["vintage"] = opts.vintage
    if opts.title:
        df.attrs["title"] = opts.title
    return df


# --------------------------------------------------------------------------- units

def unit_catalogue(lsoa: pd.DataFrame, layers: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every unit a proposal may name, with its vintage and finest units.

    Parameters
    ----------
    lsoa : pandas.DataFrame
        The LSOA table with one code column per layer of :data:`MEMBER_LAYERS` present.
    layers : mapping of layer id -> DataFrame, optional
        Layers with ``code``, ``name``, ``ods_code`` (and ``registered_population`` for ``ccg_2013``):
        names and ODS codes for suggestions and resolution. Without them only codes are known.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``ods_code``, ``layer``, ``vintage``, ``atoms`` (tuple of the PCT or CCG
        codes inside the unit), ``registered_population`` (CCGs only, else NaN).
    """
    layers = layers or {}
    frames = []
    for vintage, member_layers in MEMBER_VINTAGES.items():
        atom = ATOM_LAYER[vintage]
        atom_codes = lsoa["code"] if atom == "lsoa_2011" else lsoa.get(atom)
        if atom_codes is None:
            continue
        for layer in member_layers:
            if layer not in lsoa.columns:
                continue
            pairs = pd.DataFrame({"code": lsoa[layer].to_numpy(), "atom": atom_codes.to_numpy()}).dropna()
            pairs = pairs.drop_duplicates().astype(str).sort_values(["code", "atom"], kind="stable")
            # each unit's atoms in code order: split the sorted atoms where the unit changes (vectorised)
            unit_codes, starts = np.unique(pairs["code"].to_numpy(dtype=object), return_index=True)
            chunks = np.split(pairs["atom"].to_numpy(dtype=object), starts[1:])
            f = pd.DataFrame({"code": unit_codes.astype(str), "atoms": [tuple(c.tolist()) for c in chunks]})
            f["layer"], f["vintage"] = layer, vintage
            lay = layers.get(layer)
            if lay is not None and len(lay):
                idx = lay.set_index("code")
                f["name"] = idx["name"].reindex(f["code"]).fillna("").astype(str).to_numpy() if "name" in idx else ""
                f["ods_code"] = (idx["ods_code"].reindex(f["code"]).fillna("").astype(str).to_numpy()
                                 if "ods_code" in idx else "")
                f["registered_population"] = (idx["registered_population"].reindex(f["code"]).to_numpy(dtype=float)
                                              if "registered_population" in idx else np.nan)
            else:
                f["name"], f["ods_code"], f["registered_population"] = "", "", np.nan
            frames.append(f)
    cols = ["code", "name", "ods_code", "layer", "vintage", "atoms", "registered_population"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _lookup(units: pd.DataFrame, vintage: str | None = None) -> dict[str, int]:
    """Code or ODS code (upper case) -> row of ``units`` (of one vintage, if given)."""
    look: dict[str, int] = {}
    rows = range(len(units)) if vintage is None else np.flatnonzero(units["vintage"].to_numpy() == vintage)
    codes, ods = units["code"].to_numpy(), units["ods_code"].to_numpy()
    for i in rows:
        look.setdefault(str(codes[i]).upper(), int(i))
    for i in rows:
        o = str(ods[i]).strip().upper()
        if o and o not in look:
            look[o] = int(i)
    return look


def _set_vintage(df: pd.DataFrame, lookups: dict[str, dict[str, int]]) -> str:
    """A set's vintage: declared, else the latest whose units name every member and partner, else the one
    naming most of them (so the first unknown or other-vintage code is reported)."""
    declared = df.attrs.get("vintage")
    if declared:
        return declared
    ordered = [t.upper() for i in range(len(df)) for c in ("members", "partners") if c in df.columns
               for t in _tokens(str(df[c].iat[i]))]
    toks = set(ordered)
    hits = {v: sum(t in look for t in toks) for v, look in lookups.items()}
    full = [v for v, n in hits.items() if n == len(toks)]
    if full:
        return full[-1]
    # no vintage names them all: the one naming most, ties to the vintage of the first code in the file
    first = next((v for t in ordered for v in reversed(list(lookups)) if t in lookups[v]), None)
    return max(hits, key=lambda v: (hits[v], v == first, v))


def _suggest(token: str, units: pd.DataFrame, look: Mapping[str, int]) -> str:
    keys = sorted(look)
    near = get_close_matches(token.upper(), keys, n=3, cutoff=0.5)
    names = {str(n).lower(): i for i, n in enumerate(units["name"]) if str(n)}
    near_names = get_close_matches(token.lower(), list(names), n=3, cutoff=0.6)
    out = [f"{k} ({units['name'].iat[look[k]] or LAYER_LABEL[units['layer'].iat[look[k]]]})" for k in near]
    out += [f"{units['code'].iat[names[n]]} ({units['name'].iat[names[n]]})" for n in near_names
            if units["code"].iat[names[n]] not in near]
    return f"; did you mean {', '.join(out[:4])}?" if out else \
        ("; use PCT cluster codes CL01-CL50, PCT codes E16/E17 or ODS, CCG codes E38 or ODS (2013), ICB codes E54 or "
         "ODS, sub-ICB location codes E38 or ODS, council codes E06/E07/E08/E09/E10 (2022-26)")


def _tokens(value: str) -> list[str]:
    return [t for t in _SPLIT.split(value.strip()) if t]


def _where(df: pd.DataFrame, i: int, default_path: Any) -> tuple[Any, Any]:
    path = df["_path"].iat[i] if "_path" in df.columns and pd.notna(df["_path"].iat[i]) else default_path
    row = df["_row"].iat[i] if "_row" in df.columns and pd.notna(df["_row"].iat[i]) else i + 1
    try:
        row = int(row)
    except (TypeError, ValueError):
        pass
    if "_line" in df.columns and pd.notna(df["_line"].iat[i]) and df["_line"].iat[i] != "":
        row = f"{row} (line {int(df['_line'].iat[i])})"
    return path, row


def _resolve(df: pd.DataFrame, path: Any, units: pd.DataFrame, exclusive: bool | None = None,
             ) -> tuple[list[list[int]], list[list[int]], str | None]:
    """Validate and resolve every organisation's members and partners to rows of ``units``."""
    lookups = {v: _lookup(units, v) for v in MEMBER_VINTAGES}
    set_vintage_id = _set_vintage(df, lookups)
    look = lookups[set_vintage_id]
    if exclusive is None:
        exclusive = bool(df.attrs.get("exclusive", True))
    for c in REQUIRED_COLUMNS:
        if c not in df.columns:
            raise _err(f"missing required column {c!r}", path, row="header", column=c)
    seen_codes: dict[str, Any] = {}
    claimed: dict[str, tuple[str, Any, str]] = {}  # atom -> (org code, row, via unit)
    members_out: list[list[int]] = []
    partners_out: list[list[int]] = []
    if len(df) > MAX_ORGANISATIONS:
        raise _too_many(len(df), path)
    # England's finest units of the set's vintage (PCTs, CCGs or LSOAs): the atoms of its first member layer
    first = MEMBER_VINTAGES[set_vintage_id][0]
    n_atoms = {set_vintage_id: sum(len(a) for a, u, v in zip(units["atoms"], units["layer"], units["vintage"])
                                   if u == first and v == set_vintage_id)}
    held = 0  # memberships of the finest units in the whole set (partners in footprints included)
    for i in range(len(df)):
        p, row = _where(df, i, path)
        code = str(df["code"].iat[i]).strip()
        if not code:
            raise _err("empty organisation code", p, row, "code")
        if not _CODE_OK.match(code):
            raise _err(f"organisation code {code[:40]!r} must be 1-40 letters, digits, '_', '-' or '.'",
                       p, row, "code")
        if code in seen_codes:
            raise _err(f"duplicate organisation code {code!r} (first at row {seen_codes[code]})", p, row, "code")
        seen_codes[code] = row
        if not str(df["name"].iat[i]).strip():
            raise _err(f"organisation {code} has no name", p, row, "name")
        pif = str(df["partners_in_footprint"].iat[i]).strip().lower() if "partners_in_footprint" in df else ""
        if pif not in _YES | _NO:
            raise _err(f"partners_in_footprint must be yes or no, not {pif[:20]!r}", p, row, "partners_in_footprint")
        resolved: dict[str, list[int]] = {}
        for column in ("members", "partners"):
            toks = _tokens(str(df[column].iat[i])) if column in df.columns else []
            if len(toks) > MAX_UNITS_PER_ORGANISATION:
                raise _err(f"too many unit codes ({len(toks):,}; at most {MAX_UNITS_PER_ORGANISATION:,} in one "
                           "organisation)", p, row, column)
            if column == "members" and not toks:
                raise _err(f"organisation {code} has no members (an empty organisation)", p, row, "members")
            idx: list[int] = []
            for t in toks:
                j = look.get(t.upper())
                if j is None:
                    where = df.attrs.get("unit_rows", {}).get(t.upper())  # a plan table: the unit's own row
                    if where is not None:
                        row, column = where, "unit_code"
                    other = next((v for v in reversed(list(lookups)) if t.upper() in lookups[v]), None)
                    if other is not None:
                        k = lookups[other][t.upper()]
                        example = next((x for c in ("members", "partners") if c in df.columns for v in df[c]
                                        for x in _tokens(str(v)) if x.upper() in look), "")
                        kinds = ", ".join(dict.fromkeys(LAYER_LABEL[x] for x in MEMBER_VINTAGES[set_vintage_id]))
                        raise _err(f"mixed vintages: {t} is a {other} {LAYER_LABEL[units['layer'].iat[k]]} but this "
                                   f"set's units are of {set_vintage_id} ({kinds}; e.g. {example}); a set uses units "
                                   "of one vintage", p, row, column)
                    raise _err(f"unknown unit code {t[:40]!r}{_suggest(t[:40], units, look)}", p, row, column)
                idx.append(j)
            resolved[column] = idx
        # a unit listed twice in one organisation (directly, or a PCT inside a listed cluster)
        own: dict[str, str] = {}
        for j in resolved["members"]:
            for a in units["atoms"].iat[j]:
                if a in own:
                    raise _err(f"{a} is listed twice in {code} (via {own[a]} and {units['code'].iat[j]})",
                               p, row, "members")
                own[a] = units["code"].iat[j]
        for j in resolved["partners"]:
            hit = [a for a in units["atoms"].iat[j] if a in own]
            if hit:
                raise _err(f"partner {units['code'].iat[j]} overlaps {code}'s own members ({hit[0]})",
                           p, row, "partners")
        if exclusive:
            for a, via in own.items():
                if a in claimed:
                    other, orow, ovia = claimed[a]
                    what = a if a == via else f"{a} (in {via})"
                    raise _err(f"unit claimed twice: {what} is already a member of {other} (row {orow}, via "
                               f"{ovia}); members must not overlap (a YAML scenario may set 'exclusive: false')",
                               p, row, "members")
            for a, via in own.items():
                claimed[a] = (code, row, via)
        held += len(own)
        if pif in _YES:
            held += sum(len(units["atoms"].iat[j]) for j in resolved["partners"])
        limit = MAX_OVERLAP * max(n_atoms.get(set_vintage_id, 0), 1)
        if held > limit:
            atom = LAYER_LABEL.get(ATOM_LAYER[set_vintage_id], "LSOA")
            raise _err(f"organisations overlap too much: {held:,} {atom} memberships by this row, at most "
                       f"{limit:,} ({MAX_OVERLAP} times England's {n_atoms[set_vintage_id]:,} {atom}s)",
                       p, row, "members")
        members_out.append(resolved["members"])
        partners_out.append(resolved["partners"])
    return members_out, partners_out, (set_vintage_id if members_out else None)


def validate_proposals(df: pd.DataFrame, path: str | Path | None, units: pd.DataFrame,
                       exclusive: bool | None = None) -> None:
    """Check a proposal set; raise :class:`ScenarioError` naming file, row and column.

    Parameters
    ----------
    df : pandas.DataFrame
        From :func:`read_proposals`.
    path : str or Path or None
        The file, for messages (rows read from a ``base`` file name that file instead).
    units : pandas.DataFrame
        From :func:`unit_catalogue`.
    exclusive : bool, optional
        Whether members of different organisations may not overlap; default from the file
        (``df.attrs["exclusive"]``, true unless a YAML scenario says ``exclusive: false``).

    Raises
    ------
    ScenarioError
        Missing column, empty or duplicate organisation code, empty organisation, unknown unit (with
        the nearest codes and names), mixed vintages, a unit claimed twice, bad yes/no value.
    """
    _resolve(df, path, units, exclusive)


def count_organisations(df: pd.DataFrame) -> int:
    """Count organisations as the reports do: every row except in-house arrangements."""
    status = df["status"].fillna("").astype(str).str.strip().str.lower() if "status" in df else pd.Series([], dtype=str)
    return int((~status.str.startswith("in-house")).sum()) if len(status) else len(df)


# --------------------------------------------------------------------------- footprints

def _membership_from_resolved(df: pd.DataFrame, lsoa: pd.DataFrame, units: pd.DataFrame,
                              members: list[list[int]], partners: list[list[int]],
                              include_partners: bool | None) -> pd.DataFrame:
    parts = []
    for i in range(len(df)):
        code = str(df["code"].iat[i]).strip()
        flag = str(df["partners_in_footprint"].iat[i]).strip().lower() in _YES \
            if include_partners is None else include_partners
        idx = members[i] + (partners[i] if flag else [])
        for j in idx:
            layer, ucode = units["layer"].iat[j], units["code"].iat[j]
            hit = lsoa["code"].to_numpy()[lsoa[layer].to_numpy() == ucode]
            parts.append(pd.DataFrame({"lsoa_code": hit, "code": code}))
    if not parts:
        return pd.DataFrame({"lsoa_code": pd.Series(dtype=object), "code": pd.Series(dtype=object)})
    out = pd.concat(parts, ignore_index=True).drop_duplicates()
    return out.sort_values(["code", "lsoa_code"], kind="stable").reset_index(drop=True)


def footprint_membership(df: pd.DataFrame, lsoa: pd.DataFrame, units: pd.DataFrame | None = None,
                         include_partners: bool | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """Which LSOAs make each organisation's footprint.

    Parameters
    ----------
    df : pandas.DataFrame
        A proposal set (:func:`read_proposals`); it is validated first.
    lsoa : pandas.DataFrame
        LSOAs with ``code`` and the layer code columns.
    units : pandas.DataFrame, optional
        From :func:`unit_catalogue` (built from ``lsoa`` alone if omitted: codes only, no ODS codes).
    include_partners : bool, optional
        Override the per-row ``partners_in_footprint`` flag for every organisation.
    path : str or Path, optional
        For error messages.

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``code``; an LSOA appears under several organisations where footprints overlap.
    """
    units = unit_catalogue(lsoa) if units is None else units
    members, partners, _ = _resolve(df, path or df.attrs.get("path"), units)
    return _membership_from_resolved(df, lsoa, units, members, partners, include_partners)


def build_footprints(df: pd.DataFrame, lsoa: gpd.GeoDataFrame, layers: Mapping[str, pd.DataFrame] | None = None,
                     path: str | Path | None = None, include_partners: bool | None = None,
                     exclusive: bool | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Dissolve each organisation of a proposal set into its footprint.

    Parameters
    ----------
    df : pandas.DataFrame
        A proposal set (:func:`read_proposals`).
    lsoa : geopandas.GeoDataFrame
        ``Atlas.lsoa``: ``code``, ``population``, ``area_m2``, geometry and the layer code columns.
    layers : mapping, optional
        Base layers (``Atlas.layers``) for names, ODS codes and CCG registered populations.
    path : str or Path, optional
        For error messages (default: the file ``df`` was read from).
    include_partners : bool, optional
        Override ``partners_in_footprint`` for every organisation.
    exclusive : bool, optional
        Override the file's exclusivity rule.

    Returns
    -------
    footprints : geopandas.GeoDataFrame
        One row per organisation in the file's order: ``code``, ``name``, ``ods_code`` (empty),
        ``status``, ``members``, ``partners``, ``partners_in_footprint``, ``counted`` (false for
        in-house), ``vintage``, ``population`` (Census 2011 residents), ``registered_population``
        (GP lists Apr-Jun 2013, sum over CCGs; NA for 2011 sets), ``area_km2``, ``n_lsoas``, the
        remaining proposal columns (``date``, ``service_model``, ``formed_from``, ``mergers``,
        ``source``, ``confidence``, ``note``), geometry (EPSG:27700).
    membership : pandas.DataFrame
        ``lsoa_code``, ``code``.
    """
    from commissioning_atlas.build.coverage import dissolve

    path = path or df.attrs.get("path")
    units = unit_catalogue(lsoa, layers)
    members, partners, vintage = _resolve(df, path, units, exclusive)
    memb = _membership_from_resolved(df, lsoa, units, members, partners, include_partners)
    diss = dissolve(lsoa, memb).set_index("code")
    codes = df["code"].str.strip().to_numpy()
    out = pd.DataFrame({"code": codes, "name": df["name"].to_numpy(), "ods_code": ""})
    out["status"] = df["status"].to_numpy()
    out["members"] = df["members"].map(lambda s: " ".join(_tokens(s))).to_numpy()
    out["partners"] = df["partners"].map(lambda s: " ".join(_tokens(s))).to_numpy()
    flags = df["partners_in_footprint"].str.lower().isin(_YES) if include_partners is None \
        else pd.Series(include_partners, index=df.index)
    out["partners_in_footprint"] = flags.to_numpy()
    out["counted"] = ~df["status"].str.lower().str.startswith("in-house").to_numpy()
    out["vintage"] = vintage or ""
    out["population"] = diss["population"].reindex(codes).fillna(0).astype("int64").to_numpy()
    reg = []
    for i in range(len(df)):
        idx = members[i] + (partners[i] if bool(flags.iat[i]) else [])
        if vintage == "2013":
            atoms = {a for j in idx for a in units["atoms"].iat[j]}
            ccg = units[units["layer"] == "ccg_2013"].set_index("code")["registered_population"]
            vals = ccg.reindex(sorted(atoms))
            reg.append(pd.NA if vals.isna().any() else int(vals.sum()))
        else:
            reg.append(pd.NA)
    out["registered_population"] = pd.array(reg, dtype="Int64")
    out["area_km2"] = diss["area_km2"].reindex(codes).to_numpy()
    out["n_lsoas"] = memb.groupby("code").size().reindex(codes).fillna(0).astype("int64").to_numpy()
    for c in ["date", "service_model", "formed_from", "mergers", "source", "confidence", "note"]:
        out[c] = df[c].to_numpy()
    extra = [c for c in df.columns if c not in out.columns and not c.startswith("_")]
    for c in extra:
        out[c] = df[c].to_numpy()
    gdf = gpd.GeoDataFrame(out, geometry=diss.geometry.reindex(codes).to_numpy(), crs=lsoa.crs)
    return gdf, memb


def load_proposal_set(path: str | Path, lsoa: gpd.GeoDataFrame, layers: Mapping[str, pd.DataFrame] | None = None,
                      ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Read, validate and dissolve a proposal file: ``(footprints, membership)``."""
    df = read_proposals(path)
    return build_footprints(df, lsoa, layers, path=path)


def load_footprint_set(atlas: "Atlas", set_id: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The footprint set ``set_id`` of an atlas (``css_2012``, ``csu_2013`` or ``scenario``).

    Parameters
    ----------
    atlas : Atlas
        Supplies ``lsoa``, ``layers`` and, for ``"scenario"``, the scenario file.
    set_id : str

    Returns
    -------
    footprints : geopandas.GeoDataFrame
    membership : pandas.DataFrame
        ``lsoa_code``, ``code``.
    """
    if set_id == "scenario":
        if atlas.scenario is None:
            raise ScenarioError("no scenario given (use --scenario FILE)")
        path = Path(atlas.scenario)
    elif set_id in SHIPPED_SETS:
        path = settings.geo_dir() / SHIPPED_SETS[set_id]
    else:
        raise ScenarioError(f"unknown footprint set {set_id!r}; known: {', '.join([*SHIPPED_SETS, 'scenario'])}")
    for lid in MEMBER_LAYERS:  # the units a proposal may name: their LSOA columns and names
        if atlas.has_layer(lid):
            atlas.column(lid)
    token = _BASE_LAYERS.set(atlas.layers)
    try:
        df = read_proposals(path)
    finally:
        _BASE_LAYERS.reset(token)
    opts = SET_OPTIONS.get(set_id, {})
    if opts.get("vintage") and "vintage" not in df.attrs:
        df.attrs["vintage"] = opts["vintage"]
    if opts.get("complete_with"):
        df = _complete_with(df, atlas.layers[opts["complete_with"]], opts["complete_with"])
    fp, memb = build_footprints(df, atlas.lsoa, atlas.layers, path=path)
    vintage = df.attrs.get("vintage") or _vintage_of(fp)
    fp.attrs["population_basis"] = _VINTAGE_BASIS.get(vintage, "census_2011")
    fp.attrs["vintage"] = vintage
    return fp, memb


#: Default population basis of a set's vintage.
_VINTAGE_BASIS = {"2011": "census_2011", "2013": "census_2011", "2022": "census_2021", "2023": "census_2021",
                  "2026": "census_2021"}


def _vintage_of(fp: pd.DataFrame) -> str:
    v = fp["vintage"].iat[0] if len(fp) and "vintage" in fp else ""
    return str(v) if v else "2011"


def _complete_with(df: pd.DataFrame, layer: pd.DataFrame, layer_id: str) -> pd.DataFrame:
    """Add every unit of ``layer`` that no organisation names, as an organisation of itself."""
    named = {t.upper() for v in df["members"] for t in _tokens(str(v))}
    alone = layer_as_proposals(layer, layer_id)
    keep = [not ({str(c).upper(), str(o).upper()} & named) for c, o in zip(layer["code"], layer["ods_code"])]
    out = pd.concat([df, alone[keep].reindex(columns=df.columns, fill_value="")], ignore_index=True, sort=False)
    data_cols = [c for c in out.columns if not c.startswith("_")]
    out[data_cols] = out[data_cols].astype(object).where(out[data_cols].notna(), "")
    out.attrs = dict(df.attrs)
    return out
