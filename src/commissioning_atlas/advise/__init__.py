"""The viability advisor: groupings of a layer's units that pass the rules, as a scenario.

Given units (any layer), a population floor and the rules (stay inside ``within`` areas, never split
a ``keep_whole`` unit, keep the ``fix`` groups as they are), :func:`advise` proposes contiguous groups,
each of at least ``floor`` people: the most groups (max-p), then the fewest crossings of a reference
layer (or the reverse), then, as a tie-break, the most groups kept from a given plan. It is exact
(CP-SAT, :mod:`commissioning_atlas.advise.maxp`) where it can be and says whether the result is proven
optimal, with the bound; beyond ``exact_max_nodes`` nodes an area goes to spopt's heuristic.
:func:`write_scenario` writes the plan in the proposal schema of ``geo/css_2012.csv`` so that
``check --scenario`` and ``map --scenario`` read it.

Rules, as sums over LSOAs (every figure on the population basis given, Census 2011 by default):

* a unit belongs to the ``within`` area holding most of its residents;
* adjacency is shared LSOA boundary (:mod:`commissioning_atlas.advise.adjacency`); a piece of an area with
  no land link to the rest (an island) joins the nearest unit of its area, and the plan says so;
* a ``keep_whole`` unit is split when at least ``tolerance`` of its residents lie in each of two
  groups; its parts in different ``within`` areas are allowed apart (reported as forced by the
  ``within`` lines); keeping whole is exact: the units holding its parts are merged into one node;
* crossings of the ``reference`` layer are extra pieces: for each reference unit, the number of
  groups holding at least ``tolerance`` of its residents, minus one;
* a ``fix`` plan's groups (units by majority of residents) are kept as given and excluded from the
  search; a fixed group under the floor is kept and reported.

Examples
--------
>>> import commissioning_atlas as ca
>>> from commissioning_atlas.advise import advise, write_scenario
>>> atlas = ca.load()                                                      # doctest: +SKIP
>>> plan = advise(atlas, "pct_cluster_2011", 750_000, within="sha_2011")   # doctest: +SKIP
>>> plan.summary()                                                         # doctest: +SKIP
>>> write_scenario(plan, "advice.yaml")                                    # doctest: +SKIP"""

# The package's names, re-exported from the modules that hold them.
from commissioning_atlas.advise.instance import (
    BASIS_LABEL,
    COUNT_CAP,
    COUNT_MAX_NODES,
    COUNT_SECONDS,
    DEFAULT_BASIS,
    DEFAULT_TOLERANCE,
    EXACT_MAX_NODES,
    InfeasibleError,
    Instance,
    METHODS,
    _cross,
    _majority,
    _names,
    _pairs,
    _read_plan_pairs,
    build_instance,
    population_vector,
)
from commissioning_atlas.advise.solve import (
    Plan,
    _area_problems,
    _infeasible,
    _method_label,
    _notes,
    _order_groups,
    _union_find,
    advise,
    plan_crossings,
    plan_kept,
    solve,
)
from commissioning_atlas.advise.scenario import (
    _csv_safe,
    _describe,
    advice_frame,
    instance_summary,
    plan_frame,
    write_advice,
    write_scenario,
)
