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
41"""

# The package's names, re-exported from the modules that hold them.
from commissioning_atlas.footprints.sets import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    atom_layers,
    layer_labels,
    member_layers,
    vintage_members,
)
from commissioning_atlas.footprints.read import (
    PLAN_COLUMNS,
    is_plan_table,
    plan_to_proposals,
    MAX_FILE_BYTES,
    MAX_ORGANISATIONS,
    MAX_OVERLAP,
    MAX_UNITS_PER_ORGANISATION,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    _CODE_OK,
    _NO,
    _Options,
    _SPLIT,
    _YES,
    _apply_base,
    _cell,
    _complete_with,
    _err,
    _read_csv,
    _read_text,
    _read_yaml,
    _remove_from,
    _tokens,
    _too_many,
    _yaml_guard,
    _yaml_lines,
    _yaml_loader,
    layer_as_proposals,
    read_proposals,
)
from commissioning_atlas.footprints.resolve import (
    _lookup,
    _membership_from_resolved,
    _resolve,
    _set_vintage,
    _suggest,
    _where,
    count_organisations,
    footprint_membership,
    unit_catalogue,
    validate_proposals,
)
from commissioning_atlas.footprints.build import (
    _vintage_of,
    atlas_units,
    build_footprints,
    load_footprint_set,
    load_proposal_set,
)


def __getattr__(name: str):
    """``MEMBER_LAYERS``, ``MEMBER_VINTAGES``, ``ATOM_LAYER``, ``LAYER_LABEL``: read from the registry on access
    (see :mod:`.sets`), so declarations added after import are seen."""
    from commissioning_atlas.footprints import sets

    return getattr(sets, name)
