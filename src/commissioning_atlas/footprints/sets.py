"""The columns of a proposal set, and the layers its members may come from by vintage (declared in
``data/footprints.toml``)."""
from __future__ import annotations

from commissioning_atlas.registry import member_nouns, member_vintages


#: Columns every proposal set must have.
REQUIRED_COLUMNS = ["code", "name", "members"]
#: Optional columns, in output order (missing ones are filled with "").
OPTIONAL_COLUMNS = ["status", "date", "partners", "partners_in_footprint", "service_model",
                    "formed_from", "mergers", "source", "confidence", "note"]
# The sets, the vintages their members may come from and the nouns of member units are declared in
# ``data/footprints.toml`` (:func:`commissioning_atlas.registry.footprint_sets`, ``member_vintages``,
# ``member_nouns``); the names below are views of those declarations, read when this module is imported.
#: Layers whose units may be members, by vintage of the set (a set's units are of one vintage).
MEMBER_VINTAGES: dict[str, tuple[str, ...]] = {v.id: v.members for v in member_vintages().values()}
#: Every member layer with the first vintage it serves.
MEMBER_LAYERS: dict[str, str] = {}
for _v, _ls in MEMBER_VINTAGES.items():
    for _l in _ls:
        MEMBER_LAYERS.setdefault(_l, _v)
#: The finest unit of each vintage: exclusivity is checked on these (LSOAs where councils may be members).
ATOM_LAYER = {v.id: v.atom for v in member_vintages().values()}
#: What one unit of a member layer is called in a message.
LAYER_LABEL = dict(member_nouns())
