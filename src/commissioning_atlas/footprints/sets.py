"""The columns of a proposal set, and the layers its members may come from by vintage (declared in
``data/footprints.toml``).

The vintages, member layers, atoms and nouns are read from the registry when asked (:func:`member_layers`
and the others), never fixed when this module is imported: declarations added by a folder of one's own
(``$COMMISSIONING_ATLAS_DECLARATIONS``, set at any time before the call) are seen. The upper-case names
(``MEMBER_LAYERS``...) are the same views, looked up on each access.
"""
from __future__ import annotations

from commissioning_atlas.registry import member_nouns, member_vintages

#: Columns every proposal set must have.
REQUIRED_COLUMNS = ["code", "name", "members"]
#: Optional columns, in output order (missing ones are filled with "").
OPTIONAL_COLUMNS = ["status", "date", "partners", "partners_in_footprint", "service_model",
                    "formed_from", "mergers", "source", "confidence", "note"]


def vintage_members() -> dict[str, tuple[str, ...]]:
    """Layers whose units may be members, by vintage of the set (a set's units are of one vintage)."""
    return {v.id: v.members for v in member_vintages().values()}


def member_layers() -> dict[str, str]:
    """Every member layer with the first vintage it serves."""
    out: dict[str, str] = {}
    for vintage, layers in vintage_members().items():
        for layer in layers:
            out.setdefault(layer, vintage)
    return out


def atom_layers() -> dict[str, str]:
    """The finest unit of each vintage: exclusivity is checked on these (LSOAs where councils may be members)."""
    return {v.id: v.atom for v in member_vintages().values()}


def layer_labels() -> dict[str, str]:
    """What one unit of a member layer is called in a message."""
    return dict(member_nouns())


#: The upper-case names of earlier versions, each a view read on access (:func:`__getattr__`).
_VIEWS = {"MEMBER_VINTAGES": vintage_members, "MEMBER_LAYERS": member_layers, "ATOM_LAYER": atom_layers,
          "LAYER_LABEL": layer_labels}


def __getattr__(name: str):
    """``MEMBER_LAYERS``, ``MEMBER_VINTAGES``, ``ATOM_LAYER``, ``LAYER_LABEL``: read from the registry now."""
    if name in _VIEWS:
        return _VIEWS[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
