"""The ``plan`` subcommand: write the planner page for a unit layer and a starting plan.

::

    commissioning-atlas plan --units sicbl_2023 --start icb_merger_2027 -o planner.html
    commissioning-atlas plan --units pct_2011 --start advice.yaml -o planner.html   # a plan advise wrote
"""

from __future__ import annotations

import argparse
from pathlib import Path

from commissioning_atlas._errors import AtlasError

__all__ = ["add_plan_arguments", "prepare_plan_args", "run_plan"]

_FILE_SUFFIXES = (".csv", ".txt", ".yaml", ".yml")


def add_plan_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``plan`` options to a parser."""
    from commissioning_atlas.maps import DEFAULT_TOLERANCE_M
    from commissioning_atlas.maps.planner import planner_config

    cfg = planner_config()
    p.add_argument("--units", default=cfg["default_units"], choices=list(cfg["units"]),
                   help=f"the units groups are made of (default {cfg['default_units']})")
    p.add_argument("--start", metavar="SET|FILE",
                   help=f"the plan the page opens with: a layer or set id (default {cfg['default_start']} where "
                        "offered), 'empty', or a scenario file (CSV or YAML, e.g. one advise wrote)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.html")
    p.add_argument("--simplify", type=float, default=DEFAULT_TOLERANCE_M, metavar="METRES",
                   help=f"how far a simplified boundary may move (default {DEFAULT_TOLERANCE_M:g} m)")
    p.add_argument("--no-pack", action="store_true", help="write scripts and data as plain text")


def prepare_plan_args(args: argparse.Namespace) -> None:
    """Check the options that need no data; a ``--start`` file becomes the run's scenario."""
    from commissioning_atlas.io import safe as safe_io

    if Path(args.output).suffix.lower() not in (".html", ".htm"):
        raise AtlasError(f"-o {args.output}: the planner is a web page; name it .html")
    if not 0 <= args.simplify <= 5000:
        raise AtlasError(f"--simplify must be between 0 and 5000 metres, got {args.simplify:g}")
    safe_io.guard_output(args.output, args.policy)
    args.scenario = None
    if args.start and (Path(args.start).suffix.lower() in _FILE_SUFFIXES or Path(args.start).exists()):
        args.policy.register_input(args.start)
        args.scenario, args.start = args.start, "scenario"


def run_plan(atlas, args: argparse.Namespace) -> list[str]:
    """Write the page; return the lines to print."""
    from commissioning_atlas.maps.planner import planner_map

    out = planner_map(atlas, args.output, args.units, args.start, tolerance=args.simplify, pack=not args.no_pack,
                      policy=args.policy)
    size = out.stat().st_size
    return [f"wrote {out} ({size / 1000:,.0f} KB): the planner over {args.units}, starting from "
            f"{args.start or 'the default plan'}"]
