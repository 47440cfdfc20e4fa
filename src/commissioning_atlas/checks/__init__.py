"""Overlap checks: which footprints cross which lines, by how much, affecting how many people.

Every layer is a set of LSOAs (see ``docs/design.md``), so "how much of subject *s* lies in
reference unit *r*" is a sum over the LSOAs the two share, by area (``area_m2``) and by
residents (Census 2011 ``population``). No polygon overlay is needed for the figures; the
geometry of a finding (a crossing part, a gap) is a coverage union of its LSOAs.

Rules
-----
``crosses``
    A subject feature lies in more than one reference feature. Every part is reported with its
    shares; parts below the tolerance are reported as ``below tolerance`` and never make a
    subject cross.
``coterminosity``
    Each subject feature is classed ``equal`` (one reference feature, exactly), ``union`` (several
    whole reference features), ``within`` (part of one reference feature) or ``straddling``
    (anything else). ``class_strict`` uses every LSOA; ``class`` ignores parts holding less than
    the tolerance share of both area and residents (default 2%).
``coverage``
    Within a footprint set: the gaps (reference area in no subject feature) and overlaps (area in
    two or more), grouped by reference feature.
``size``
    Population below or above thresholds from ``geo/size_thresholds.csv``, each with its source.

Severity: ``warning`` for a crossing part, a straddling feature, a gap, an overlap or a size
breach; ``info`` for classifications that are not problems (equal, union, within, a main part,
a part below tolerance). The CLI exits 1 when any warning or error is present.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas.checks import run_preset
>>> atlas = ca.load()                                          # doctest: +SKIP
>>> findings, meta = run_preset(atlas, "cluster-vs-sha")       # doctest: +SKIP"""

# The package's names, re-exported from the modules that hold them.
from commissioning_atlas.checks.crosstab import (
    DEFAULT_SHARE_TOLERANCE,
    FINDING_COLUMNS,
    RULES,
    SEVERITIES,
    SPLIT_RULES,
    Tolerance,
    _EPS,
    _codes,
    _crosstab,
    _frame,
    _home_units,
    _membership,
    _names,
    _part_geometries,
    _significant,
    _totals,
    _unit_index,
    _whole,
    basis_of,
    classify,
    crosstab,
)
from commissioning_atlas.checks.rules import (
    _check_rules,
    _part_row,
    _successors,
    check_changes,
    check_coterminosity,
    check_coverage,
    check_crosses,
    check_size,
    check_splits,
    councils_split,
    read_thresholds,
    run_check,
)
from commissioning_atlas.checks.presets import declared_presets, resolve_preset, run_preset
from commissioning_atlas.checks.report import (
    FORMATS,
    _HEAD,
    _TABLE_COLS,
    _clean,
    _md_cell,
    _pct,
    _records,
    counts,
    has_problems,
    to_csv,
    to_json,
    to_markdown,
    to_table,
    write_findings,
)
