"""The ``advise`` subcommand: its options, checks and output lines (kept out of ``cli.py``).

::

    commissioning-atlas advise --units pct_cluster_2011 --floor 750000 --within sha_2011 \\
        --reference utla_2011 --closest-to css_2012 -o advice.yaml --map out/advice
"""

from __future__ import annotations

import argparse
from pathlib import Path

from commissioning_atlas._errors import AtlasError
from commissioning_atlas.advise import DEFAULT_TOLERANCE, METHODS, advise, write_scenario
from commissioning_atlas.advise.maxp import OBJECTIVES

__all__ = ["add_advise_arguments", "validate_advise_args", "run_advise"]


def add_advise_arguments(p: argparse.ArgumentParser) -> None:
    """Add the ``advise`` options to a parser."""
    p.add_argument("--units", required=True, metavar="LAYER", help="layer whose units are grouped, e.g. pct_cluster_2011")
    p.add_argument("--floor", required=True, type=float, metavar="N", help="least population of a group")
    p.add_argument("--within", metavar="LAYER", help="never cross this layer's lines, e.g. sha_2011")
    p.add_argument("--keep-whole", metavar="LAYER", help="never split this layer's units, e.g. utla_2011")
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="SHARE",
                   help=f"a keep-whole or reference part under this share of its residents does not count "
                        f"(default {DEFAULT_TOLERANCE})")
    p.add_argument("--fix", metavar="FILE|SET", help="keep this plan's groups as they are (proposal file or set id)")
    p.add_argument("--reference", metavar="LAYER",
                   help="count and minimise split units of this layer (default: --keep-whole)")
    p.add_argument("--closest-to", metavar="FILE|SET",
                   help="tie-break: keep as many groups of this plan as possible, e.g. css_2012")
    p.add_argument("--objective", choices=list(OBJECTIVES), default="most-groups",
                   help="first criterion: most groups (then fewest crossings) or the reverse")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="exact (CP-SAT), heuristic (spopt max-p) or auto (exact up to 120 nodes per area)")
    p.add_argument("--time-limit", type=float, default=60.0, metavar="S", help="seconds for the whole search (default 60)")
    p.add_argument("--no-count", action="store_true", help="do not count the optimal plans")
    p.add_argument("--compare", metavar="FILE|SET", help="set the advice beside a real set, e.g. css_2012")
    p.add_argument("-o", "--output", required=True, metavar="SCENARIO",
                   help="scenario file to write (.yaml or .csv, the schema of geo/css_2012.csv)")
    p.add_argument("--map", metavar="DIR", help="also write the advice's findings map into DIR")


def validate_advise_args(args: argparse.Namespace) -> None:
    """Check the options that need no data (one error line each)."""
    if not args.floor > 0:
        raise AtlasError(f"--floor must be a positive number of people, got {args.floor:g}")
    if not 0 <= args.tolerance < 0.5:
        raise AtlasError(f"--tolerance must be a share between 0 and 0.5, got {args.tolerance}")
    if not args.time_limit > 0:
        raise AtlasError(f"--time-limit must be positive, got {args.time_limit:g}")
    if Path(args.output).suffix.lower() not in (".yaml", ".yml", ".csv"):
        raise AtlasError(f"-o {args.output}: write the advice as .yaml, .yml or .csv")
    from commissioning_atlas.io.safe import guard_output, guard_output_folder

    guard_output(args.output, args.policy)  # the output rule, before the (slower) load and search
    if args.map:
        guard_output_folder(args.map, args.policy)


def run_advise(atlas, args: argparse.Namespace) -> list[str]:
    """Run the advice for parsed options; return the lines to print."""
    from commissioning_atlas.footprints import member_layers

    members = member_layers()  # the declared member layers, read now

    plan = advise(atlas, args.units, args.floor, within=args.within, keep_whole=args.keep_whole,
                  tolerance=args.tolerance, fix=args.fix, reference=args.reference, closest_to=args.closest_to,
                  basis=args.population, objective=args.objective, method=args.method,
                  time_limit=args.time_limit, count_plans=not args.no_count)
    lines = plan.summary().splitlines()
    compared = []
    if args.compare:  # read and compared before anything is written: a failure leaves no output
        from commissioning_atlas.advise.compare import compare_plans

        table = compare_plans(atlas, plan, args.compare, args.reference or args.keep_whole)
        for p in table.attrs.get("inputs", []):
            args.policy.register_input(p)
        for row, r in table.iterrows():
            split = f", {r['councils_split']} councils split" if r["councils_split"] is not None else ""
            counted = f" ({r['counted']} counted)" if r["counted"] != r["groups"] else ""
            compared.append(f"{row:<6} {r['plan']}: {r['groups']} groups{counted}, {r['identical_groups']} identical, "
                            f"ARI {r['adjusted_rand_index']:.3f}{split}, {r['units_under_floor']} units in groups "
                            f"under the floor")
    if args.map and args.units not in members:
        raise AtlasError(f"--map needs a scenario the footprint reader resolves; {args.units} units are not "
                         f"among {', '.join(members)}")
    out = write_scenario(plan, args.output, policy=args.policy)
    lines.append(f"wrote {plan.groups} groups to {out}")
    if args.units not in members:
        lines.append(f"note: scenarios name units of {', '.join(members)}; check --scenario cannot read "
                     f"{args.units} codes until the footprint reader accepts them")
    lines += compared
    if args.map:
        from commissioning_atlas.advise.advice_map import advice_map

        path = advice_map(atlas, plan, out, Path(args.map), policy=args.policy)
        lines.append(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return [_printable(line) for line in lines]


def _printable(text: str) -> str:
    """Names come from tables: control characters (terminal escapes, newlines) become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text)

