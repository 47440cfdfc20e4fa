"""The advice's findings map: the advised groups, the reference layer's lines and the split parts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from commissioning_atlas.io.safe import OutputPolicy

if TYPE_CHECKING:  # pragma: no cover
    from commissioning_atlas import Atlas
    from commissioning_atlas.advise import Plan

__all__ = ["advice_map", "advice_page", "with_scenario"]


def with_scenario(atlas: "Atlas", scenario: str | Path) -> "Atlas":
    """A copy of ``atlas`` whose ``scenario`` layer is read from ``scenario``: :meth:`Atlas.with_scenario`."""
    return atlas.with_scenario(scenario)


def advice_map(atlas: "Atlas", plan: "Plan", scenario: str | Path, out_dir: str | Path, *, pack: bool = True,
               policy: OutputPolicy | None = None) -> Path:
    """Write ``advice.html`` into ``out_dir``: the advice (read back from its scenario file, as
    ``check --scenario`` would) over its reference layer's lines (else keep-whole, else within), with
    the reference units the advice splits on top (the ``splits`` check of the advice against the reference
    layer: each split unit's parts outside its main group hatched).

    Parameters
    ----------
    atlas : Atlas
    plan : Plan
    scenario : str or Path
        The file :func:`commissioning_atlas.advise.write_scenario` wrote for ``plan``.
    out_dir : str or Path
    pack : bool
        Compress the page (see :func:`commissioning_atlas.maps.layer_map`).
    policy : OutputPolicy, optional
        The run's output rule; the scenario file read back is added to it (by default it alone is).

    Returns
    -------
    Path
    """
    from commissioning_atlas.advise.scenario import advice_frame

    return advice_page(atlas, advice_frame(plan).attrs["meta"], scenario, Path(out_dir) / "advice.html", pack=pack,
                       policy=policy)


def advice_page(atlas: "Atlas", meta: dict, scenario: str | Path, path: str | Path, *, pack: bool = True,
                title: str | None = None, policy: OutputPolicy | None = None) -> Path:
    """Write the map of an advice (its metadata, ``advice_frame(plan).attrs["meta"]``, and its scenario file);
    the scenario file and the files it builds on are inputs: no page replaces them."""
    from commissioning_atlas.checks import Tolerance, run_check
    from commissioning_atlas.maps import findings_map

    copy = with_scenario(atlas, scenario)
    against = meta["reference"] or meta["keep_whole"] or meta["within"]
    findings = None
    if against:
        # the councils (or areas) the advice splits, as a vs-councils check says it: each split one's parts
        # in a group other than its main one hatched, the sentence naming them with their figures
        findings = run_check(copy, "scenario", against, ("splits",), Tolerance(share=meta["tolerance"]), geometry=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    title = title or (f"Advice: {meta['groups']} groups of {_titled(atlas, meta['units'])} of at least "
                      f"{meta['floor']:,} people"
                      + (f", each within one of the {_titled(atlas, meta['within'])}" if meta["within"] else ""))
    return findings_map(copy, findings, path, title, "scenario", against, pack=pack, distinct=True,
                        subject_title=f"Advised groups of {_titled(atlas, meta['units'])}", policy=copy.output_policy(policy))


def _titled(atlas: "Atlas", layer_id: str) -> str:
    """A layer in words for a title: "PCT clusters (2011-12)", not ``pct_cluster_2011``."""
    try:
        info = atlas.info(layer_id)
    except Exception:  # noqa: BLE001 - a layer without metadata is named by its id
        return layer_id
    title = str(info.get("title", layer_id))
    title = title[:1].lower() + title[1:] if title[1:2].islower() else title
    return f"{title} ({info['vintage']})" if info.get("vintage") else title
