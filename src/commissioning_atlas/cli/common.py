"""What every command shares: printing through the terminal sanitiser, common options, loading the atlas."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.text import for_terminal

#: ``check -o FILE`` without ``--format``: the format from the suffix.
FORMAT_BY_SUFFIX = {".txt": "table", ".csv": "csv", ".json": "json", ".md": "md", ".gpkg": "gpkg"}
#: Exit code of an unexpected error (never 1, which means "findings").
EXIT_BUG = 3


def _say(text: str = "", stream=None, end: str = "\n") -> None:
    """Print through the terminal sanitiser (controls escaped, degraded to what the stream can encode)."""
    stream = stream or sys.stdout
    if stream is None:  # the stream was closed before the run (`>&-`): nothing to print to
        return
    stream.write(for_terminal(text + end, stream))
    stream.flush()


def _warn(text: str) -> None:
    _say(" ".join(str(text).split()), sys.stderr)


class _StderrHandler(logging.Handler):
    """Each log record as one line on the run's stderr (looked up when written: tests swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _say(self.format(record), sys.stderr)
        except Exception:  # noqa: BLE001 - logging's contract: a failed line never stops the run
            self.handleError(record)


@contextmanager
def log_to_stderr() -> Iterator[None]:
    """While a command runs, the library's progress (INFO) and warnings print on stderr as plain lines.

    The handler is the CLI's: the library only logs (``commissioning_atlas`` loggers), and a program
    importing it keeps its own logging configuration.
    """
    logger = logging.getLogger("commissioning_atlas")
    handler, level = _StderrHandler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        # through the sanitiser: the value quoted in the message may not fit the terminal's encoding
        _say(f"{self.prog}: error: {message} (see --help)", sys.stderr)
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser, scenario: bool = True) -> None:
    p.add_argument("--mirror", metavar="DIR",
                   help=f"local mirror of the upstream files (default ${settings.MIRROR_ENV})")
    p.add_argument("--engine", choices=["pyogrio", "fiona"], default="pyogrio", help="vector I/O engine")
    p.add_argument("--rebuild", action="store_true", help="ignore the cache and rebuild every layer")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--population", metavar="BASIS",
                   help="population basis of every figure: census_2011, mid_2017, mid_2019, mid_2020 or "
                        "census_2021 (default: each layer's own, see `layers`); check (size rule), crosswalk and "
                        "plan also take registered_2022 (GP registered patients, May 2022) where the layers hold it")
    if scenario:
        p.add_argument("--scenario", metavar="FILE",
                       help="your own proposal set (CSV or YAML in the schema of geo/css_2012.csv)")
    _debug_flag(p)


def _needs_scenario(args, *layers) -> None:
    if "scenario" in layers and not getattr(args, "scenario", None):
        raise AtlasError("the layer 'scenario' is your own proposal set: add --scenario FILE (CSV or YAML "
                         "in the schema of geo/css_2012.csv)")


#: The commands that read a basis held on layers (registered_2022) from the layers that hold it.
HELD_BASIS_COMMANDS = ("check", "crosswalk", "plan")


def _load(args):
    from commissioning_atlas import load

    if getattr(args, "population", None) is not None:
        cmd = getattr(args, "command", None)
        _check_population_arg(args, held=cmd if cmd in HELD_BASIS_COMMANDS else None)

    atlas = load(mirror=args.mirror, engine=args.engine, rebuild=args.rebuild,
                 scenario=getattr(args, "scenario", None), progress=not args.quiet,
                 population=getattr(args, "population", None))
    atlas.output_policy(args.policy)  # the scenario's base files are inputs too: no output may replace them
    return atlas


def _tolerance(args):
    from commissioning_atlas.checks import Tolerance

    if not 0 <= args.tolerance < 0.5:
        raise AtlasError(f"--tolerance must be a share between 0 and 0.5, got {args.tolerance}")
    return Tolerance(share=args.tolerance, split_by=getattr(args, "split_by", "residents"),
                     split_share=getattr(args, "split_share", args.tolerance),
                     split_people=getattr(args, "split_people", 0))


def _debug_flag(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument("--debug", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="on an unexpected error, print the traceback")


def _population_arg(args, atlas):
    """The ``--population`` vector and its basis (``None, None``: the FROM layer's default basis)."""
    if args.population is None:
        return None, None
    if atlas.held_basis is not None:  # held on layers: the command reads it from them
        return None, atlas.held_basis
    return atlas.population(args.population), args.population


def _check_population_arg(args, held: str | None = None) -> None:
    """Fail on an unknown basis (with suggestions) before the slower load; a basis held on layers rather than per
    LSOA only where the command (``held``: "crosswalk") reads it from the layers."""
    from commissioning_atlas.sources.population import get_basis

    if args.population is not None:
        b = get_basis(args.population)
        if not b.per_lsoa and not (held and b.id == "registered_2022"):
            also = ("; registered_2022 is read by check (size), crosswalk and plan" if b.id == "registered_2022"
                    else "")
            raise AtlasError(f"--population {b.id}: {b.title} is held on {b.held_on}, not per LSOA; "
                             f"use census_2011, mid_2017, mid_2019, mid_2020 or census_2021{also}")


def _columns(value: str | None) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()] if value else []
