"""Reading proposal files (CSV, YAML) with guards against hostile input: size, encoding, depth, cells."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import pandas as pd

from commissioning_atlas._errors import ScenarioError
from commissioning_atlas.footprints.sets import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    member_layers,
    vintage_members,
)
from commissioning_atlas.io.read import MAX_FILE_BYTES, read_user_csv, read_user_text  # noqa: F401 - re-exported
from commissioning_atlas.registry import footprint_sets


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


# --------------------------------------------------------------------------- reading

@dataclass
class _Options:
    exclusive: bool = True
    vintage: str | None = None
    title: str | None = None


def _err(msg: str, path: Any = None, row: Any = None, column: Any = None) -> ScenarioError:
    return ScenarioError(msg, path=path, row=row, column=column)


def _read_text(path: Path) -> str:
    """The file's text through the one reader of user files (size cap, regular file, UTF-8, no NUL)."""
    return read_user_text(path, "proposal file", ScenarioError)


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


def _read_csv(path: Path) -> pd.DataFrame:
    df = read_user_csv(path, "proposal file", ScenarioError, max_rows=MAX_ORGANISATIONS, rows="organisations",
                       expect="code, name, members", expected="CSV or YAML file")
    if not len(df):
        raise _err("no organisations: the file has a header row but no organisation rows", path, row="(file)",
                   column="(organisation)")
    df["_path"], df["_row"], df["_line"] = str(path), list(range(1, len(df) + 1)), df.attrs["lines"]
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


def _read_yaml(path: Path, text: str, depth: int, layers: Mapping | None = None) -> tuple[pd.DataFrame, _Options]:
    import yaml

    _yaml_guard(path, text)
    try:
        data = yaml.load(text, Loader=_yaml_loader(path))
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
            if v not in vintage_members():
                raise _err(f"'vintage' must be one of {', '.join(vintage_members())}, not {v[:20]!r}", path,
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
            raise _err(f"'base' must be a set id ({', '.join(footprint_sets())}) or a file path", path, row="(file)",
                       column="base")
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
        df = _apply_base(df, base, remove, path, depth, layers)
        opts.vintage = opts.vintage or df.attrs.get("vintage")
    elif remove:
        raise _err("'remove' needs a 'base' set to remove from", path, row="(file)", column="remove")
    return df, opts


def _apply_base(df: pd.DataFrame, base: str, remove: list[str], path: Path, depth: int,
                layers: Mapping | None = None) -> pd.DataFrame:
    """The base set (a shipped set, an ICB layer with ``layers``, or a file) with ``remove`` dropped and ``df``
    added (an organisation with a base code replaces it)."""
    if depth > 4:
        raise _err("'base' chain too deep (more than 4 files): is a scenario its own base?", path,
                   row="(file)", column="base")
    if layers is not None and base in member_layers() and base.startswith("icb_"):
        out = _remove_from(df, layer_as_proposals(layers[base], base), base, remove, path)
        out.attrs["vintage"] = member_layers()[base]
        return out
    shipped = footprint_sets().get(base)
    if shipped is not None:
        base_path = shipped.path
    else:
        base_path = (path.parent / base).resolve()
        if base_path == path.resolve():
            raise _err("a scenario cannot be its own base", path, row="(file)", column="base")
    if not base_path.exists():
        raise _err(f"base {base!r} not found (use {', '.join(footprint_sets())} or a path relative to this file)",
                   path, row="(file)", column="base")
    if base_path.is_dir():
        raise _err(f"base {base!r} is a folder, expected a CSV or YAML file", path, row="(file)", column="base")
    if not base_path.is_file():
        raise _err(f"base {base!r} is not a regular file (a pipe, device or socket)", path, row="(file)",
                   column="base")
    base_df = read_proposals(base_path, layers=layers, _depth=depth + 1)
    complete_with = shipped.complete_with if shipped is not None else None
    if complete_with and layers is not None:
        base_df = _complete_with(base_df, layers[complete_with], complete_with)
    out = _remove_from(df, base_df, base, remove, path)
    out.attrs["inputs"] = list(base_df.attrs.get("inputs", []))  # the base file, then its own bases
    vintage = base_df.attrs.get("vintage") or (shipped.member_vintage if shipped is not None else None)
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


def read_proposals(path: str | Path, *, layers: Mapping | None = None, _depth: int = 0) -> pd.DataFrame:
    """Read a proposal set (CSV or YAML) in the schema of ``geo/css_2012.csv``.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file (header row, one row per organisation) or a ``.yaml``/``.yml`` file: either a
        list of mappings, or a mapping with ``organisations`` (list), and optionally ``base`` (a shipped
        set id such as ``css_2012``, or a path relative to the file: the scenario starts from it),
        ``remove`` (codes of base organisations to drop; an organisation with the same code as a base
        one replaces it) and ``exclusive`` (``false`` allows members to overlap).
    layers : mapping, optional
        The atlas's layers by id: with them, a ``base`` may also be an ICB layer (each ICB an organisation of
        itself; :meth:`Atlas.layers`, which the atlas passes when it reads a scenario).

    Returns
    -------
    pandas.DataFrame
        One row per organisation, all columns text: :data:`REQUIRED_COLUMNS`, :data:`OPTIONAL_COLUMNS`
        and any extra columns of the file; plus ``_path``, ``_row`` and ``_line`` (where each row came
        from, for error messages). ``df.attrs["exclusive"]`` holds the exclusivity rule; ``df.attrs["inputs"]``
        every file read (this one, then the ``base`` files it names): no output of the run may replace one.

    Raises
    ------
    ScenarioError
        Unreadable or malformed file, missing required column, bad top-level keys.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        df, opts = _read_yaml(path, _read_text(path), _depth, layers)
    elif suffix in (".csv", ".txt"):
        df, opts = _read_csv(path), _Options()
        if is_plan_table(df.columns):
            df = plan_to_proposals(df, path)
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            near = get_close_matches(missing[0], [c for c in df.columns if not c.startswith("_")], n=1, cutoff=0.6)
            hint = f" (found {near[0]!r})" if near else ""
            raise _err(f"missing required column {missing[0]!r}{hint}; required: {', '.join(REQUIRED_COLUMNS)}",
                       path, row="header", column=missing[0])
    else:
        _read_text(path)  # a missing or special file is named as such first
        raise _err(f"unknown file type {suffix or '(none)'!r}: use .csv, .yaml or .yml", path)
    inputs = [str(path)] + [p for p in df.attrs.get("inputs", []) if p != str(path)]
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
    df.attrs["inputs"] = inputs
    if opts.vintage:
        df.attrs["vintage"] = opts.vintage
    if opts.title:
        df.attrs["title"] = opts.title
    return df


# --------------------------------------------------------------------------- units
def _tokens(value: str) -> list[str]:
    return [t for t in _SPLIT.split(value.strip()) if t]


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
