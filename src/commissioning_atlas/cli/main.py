"""The parser and the entry point: exit codes, one-line errors, --debug."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import warnings

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError, PackageError
from commissioning_atlas.cli import commands
from commissioning_atlas.cli.common import EXIT_BUG, _common, _debug_flag, _Parser, _say, _warn, log_to_stderr
from commissioning_atlas.io import safe as safe_io


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    from commissioning_atlas import __version__

    p = _Parser(prog="commissioning-atlas",
                description="Map the NHS commissioning reorganisations of 2011-2027 and check proposals against boundaries.",
                epilog="exit codes: 0 no warnings; 1 check found warnings or errors; 2 bad input or a path "
                       "problem (one line names it); 3 unexpected error (please report it; --debug shows the "
                       "traceback)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _debug_flag(p, top=True)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("fetch", help="fetch and verify every pinned source file")
    f.add_argument("--mirror", metavar="DIR", help=f"local mirror (default ${settings.MIRROR_ENV})")
    f.add_argument("--quiet", action="store_true", help="no progress bars")
    _debug_flag(f)
    f.set_defaults(func=commands.cmd_fetch)
    la = sub.add_parser("layers", help="list the layers by era: id, vintage, features, population, basis, source")
    la.add_argument("--era", metavar="YEAR", help="only the layers of one era, e.g. 2022")
    _common(la)
    la.set_defaults(func=commands.cmd_layers)
    ex = sub.add_parser("export", help="write a layer to .gpkg, .geojson (EPSG:4326) or .csv")
    ex.add_argument("layer", help="layer id, e.g. pct_cluster_2011 or css_2012")
    ex.add_argument("-o", "--output", required=True, metavar="FILE")
    _common(ex)
    ex.set_defaults(func=commands.cmd_export)
    from commissioning_atlas.checks import DEFAULT_SHARE_TOLERANCE, FORMATS, RULES, SPLIT_RULES
    from commissioning_atlas.maps import DEFAULT_TOLERANCE_M

    c = sub.add_parser("check", help="check footprints against boundaries (exit 0: no warnings, 1: warnings or "
                                     "errors, 2: bad input, 3: unexpected error)")
    c.add_argument("--preset", metavar="NAME", help="a named check (see --list-presets)")
    c.add_argument("--subject", metavar="LAYER", help="layer whose features are checked, e.g. css_2012")
    c.add_argument("--against", metavar="LAYER", help="reference layer, e.g. sha_2011")
    c.add_argument("--rule", action="append", metavar="RULE", help=f"rule to run, repeatable: {', '.join(RULES)}")
    c.add_argument("--format", default=None, choices=FORMATS,
                   help="output format (default: from the suffix of -o: .txt, .csv, .json, .md, .gpkg; else table)")
    c.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    c.add_argument("--tolerance", type=float, default=DEFAULT_SHARE_TOLERANCE, metavar="SHARE",
                   help=f"ignore parts under this share of area and residents (default {DEFAULT_SHARE_TOLERANCE})")
    c.add_argument("--split-by", choices=SPLIT_RULES, default="residents",
                   help="the councils' view (rule splits): a part splits its council by its share of the council's "
                        "residents (default), or by its share of area or residents (the rule before December 2026)")
    c.add_argument("--split-share", type=float, default=DEFAULT_SHARE_TOLERANCE, metavar="SHARE",
                   help=f"the share a part must hold to split its council (default {DEFAULT_SHARE_TOLERANCE})")
    c.add_argument("--split-people", type=int, default=0, metavar="N",
                   help="and the people it must hold, with --split-by residents (default 0: the share alone)")
    c.add_argument("--list-presets", action="store_true", help="list the presets and exit")
    _common(c)
    c.set_defaults(func=commands.cmd_check)
    m = sub.add_parser("map", help="write the atlas map, one map per check preset and index.html")
    m.add_argument("-o", "--output", default="maps", metavar="DIR")
    m.add_argument("--tiles", action="store_true", help="add OpenStreetMap tiles (needs internet; off by default)")
    m.add_argument("--simplify", type=float, default=DEFAULT_TOLERANCE_M, metavar="METRES",
                   help=f"how far a simplified boundary may move (default {DEFAULT_TOLERANCE_M:g} m; "
                        "0: no simplification)")
    m.add_argument("--no-pack", action="store_true",
                   help="write scripts and data as plain text (3.0 times the bytes; opens in browsers older than 2023)")
    m.add_argument("--choropleth", metavar="COLUMN",
                   help="the figure the maps open coloured by: a numeric column of the layers, e.g. population "
                        "(the default), registered_population, area_km2, density (residents per km²) or "
                        "share_crossing (a check's page); the legend offers every one")
    _common(m)
    m.set_defaults(func=commands.cmd_map)
    from commissioning_atlas.cli.advise import add_advise_arguments

    ad = sub.add_parser("advise", help="propose contiguous groupings of a layer's units that reach a population floor")
    add_advise_arguments(ad)
    _common(ad, scenario=False)
    ad.set_defaults(func=commands.cmd_advise)
    from commissioning_atlas.cli.plan import add_plan_arguments

    pl = sub.add_parser("plan", help="write the planner page: click units into groups, checked as you click")
    add_plan_arguments(pl)
    _common(pl, scenario=False)
    pl.set_defaults(func=commands.cmd_plan)
    b = sub.add_parser("build", help="the main job: build every layer and write the outputs into a folder")
    b.add_argument("-o", "--output", default="out", metavar="DIR")
    _common(b)
    b.set_defaults(func=commands.cmd_build)
    cw = sub.add_parser("crosswalk", help="every (FROM unit, TO unit) pair sharing people, with shares and best fit")
    cw.add_argument("from_layer", metavar="FROM", help="layer id, e.g. pct_2011")
    cw.add_argument("to_layer", metavar="TO", help="layer id, e.g. ccg_2013")
    cw.add_argument("-o", "--output", metavar="FILE", help=".csv, .json, .md or .gpkg (default: Markdown on stdout)")
    _common(cw)
    cw.set_defaults(func=commands.cmd_crosswalk)
    ap = sub.add_parser("apportion", help="re-base a table of figures per FROM unit onto the TO units")
    ap.add_argument("data", metavar="DATA.csv", help="one row per FROM unit")
    ap.add_argument("--code-column", required=True, metavar="COL", help="column holding the FROM code (or ODS code)")
    ap.add_argument("--from", dest="from_layer", required=True, metavar="FROM", help="layer of the table, e.g. pct_2011")
    ap.add_argument("--to", dest="to_layer", required=True, metavar="TO", help="layer to re-base onto, e.g. ccg_2013")
    ap.add_argument("--counts", metavar="COLS", help="comma-separated count columns (split by population share)")
    ap.add_argument("--rates", metavar="COLS", help="comma-separated rate columns (population-weighted means)")
    ap.add_argument("-o", "--output", metavar="FILE", help=".csv, .json or .md (default: Markdown on stdout)")
    _common(ap)
    ap.set_defaults(func=commands.cmd_apportion)
    return p


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


#: Options (and positionals) naming files a command reads: each is an input of the run, which no output
#: may replace, registered before anything is read or written (a set id such as css_2012 names no file).
INPUT_ARGS = ("scenario", "data", "fix", "closest_to", "compare")


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # this command's output rule, passed to every writer: its inputs (and, once read, the files they name)
    args.policy = safe_io.OutputPolicy()
    for name in INPUT_ARGS:
        if getattr(args, name, None):
            args.policy.register_input(getattr(args, name))
    if getattr(args, "mirror", None):
        args.policy.protect_folder(args.mirror, "the mirror of upstream files")
    if getattr(args, "quiet", False):  # progress lines off; warnings still print (log_to_stderr restores it)
        logging.getLogger("commissioning_atlas").setLevel(logging.WARNING)
    return int(args.func(args) or 0)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (see the module docstring)."""
    raw = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in raw
    old_term = _on_sigterm()
    try:
        return _main(argv, debug)
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so staged folders and temp files are removed on the way out."""


def _on_sigterm():
    """Turn SIGTERM into :class:`Terminated` (main thread only); return the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise Terminated()

    return signal.signal(signal.SIGTERM, handler)


def _main(argv: list[str] | None, debug: bool) -> int:
    with warnings.catch_warnings(), log_to_stderr():
        warnings.showwarning = lambda message, category, *a, **k: _warn(f"warning: {message}")
        try:
            return _run(argv)
        except PackageError as exc:  # not the user's input: the installation is damaged
            _say(f"internal error: {exc}", sys.stderr)
            return EXIT_BUG
        except AtlasError as exc:
            _say(f"error: {exc}", sys.stderr)
            return 2
        except KeyboardInterrupt:
            _say("interrupted", sys.stderr)
            return 130
        except Terminated:
            _say("terminated", sys.stderr)
            return 143
        except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error, and no traceback
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except OSError as exc:  # permission denied, disk full, a folder for a file, ...
            _say(f"error: {safe_io.os_error(exc)}", sys.stderr)
            return 2
        except Exception as exc:  # noqa: BLE001 - a bug: one line, never exit 1 (the code for findings)
            if debug:
                import traceback

                traceback.print_exc()
            what = "out of memory" if isinstance(exc, MemoryError) else _one_line(exc)[:300]
            _say(f"internal error: {what}. This is a bug in commissioning-atlas: please report it with the "
                 f"command you ran{'' if debug else ' (add --debug for the traceback)'}", sys.stderr)
            return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
