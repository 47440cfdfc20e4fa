"""The ``commissioning-atlas`` command line.

Exit codes: 0 no warnings, 1 warnings or errors found by ``check``, 2 a problem the user can fix
(bad input, a refused or unwritable path, a missing file, disk full: one line on stderr naming
the path and the problem), 3 an unexpected error (a bug: one line and a hint to report it; the
traceback only with ``--debug``), 130 interrupted. A crash never exits 1.

Everything printed goes through :func:`commissioning_atlas.io.text.for_terminal`: control
characters are escaped and what the terminal cannot encode is degraded to ASCII.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas.io import safe as safe_io
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.io.text import for_terminal, stream_encoding

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


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser, scenario: bool = True) -> None:
    p.add_argument("--mirror", metavar="DIR",
                   help=f"local mirror of the upstream files (default ${settings.MIRROR_ENV})")
    p.add_argument("--engine", choices=["pyogrio", "fiona"], default="pyogrio", help="vector I/O engine")
    p.add_argument("--rebuild", action="store_true", help="ignore the cache and rebuild every layer")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--population", metavar="BASIS",
                   help="population basis of every figure: census_2011, mid_2017, mid_2019, mid_2020 or "
                        "census_2021 (default: each layer's own, see `layers`)")
    if scenario:
        p.add_argument("--scenario", metavar="FILE",
                       help="your own proposal set (CSV or YAML in the schema of geo/css_2012.csv)")
    _debug_flag(p)


def _needs_scenario(args, *layers) -> None:
    if "scenario" in layers and not getattr(args, "scenario", None):
        raise AtlasError("the layer 'scenario' is your own proposal set: add --scenario FILE (CSV or YAML "
                         "in the schema of geo/css_2012.csv)")


def _load(args):
    from commissioning_atlas import load

    return load(mirror=args.mirror, engine=args.engine, rebuild=args.rebuild,
                scenario=getattr(args, "scenario", None), progress=not args.quiet,
                population=getattr(args, "population", None))


def cmd_fetch(args) -> int:
    from commissioning_atlas.sources.catalogue import load_catalogue
    from commissioning_atlas.sources.fetch import fetch

    groups = load_catalogue()
    paths = fetch(groups.values(), mirror=args.mirror, progress=not args.quiet)
    n = sum(len(v) for v in paths.values())
    size = sum(p.stat().st_size for v in paths.values() for p in v)
    _say(f"{n} files in {len(paths)} groups verified (sha256) in {settings.cache_dir()} ({size / 1e6:.1f} MB)")
    return 0


def cmd_layers(args) -> int:
    """List the layers by era (``--era YEAR``: one era), with counts, population and its basis."""
    atlas = _load(args)
    _say(layer_table(atlas, era=args.era), end="")
    return 0


def cmd_export(args) -> int:
    from commissioning_atlas.io.export import check_output, export_layer

    _needs_scenario(args, args.layer)
    fmt = check_output(args.output)  # before the (slower) load
    atlas = _load(args)
    layer = atlas.layer(args.layer)
    kept = [n for n in safe_io.gpkg_layers(args.output) if n != args.layer] if fmt == "GPKG" else []
    out = export_layer(layer, args.output, layer_name=args.layer)
    note = f" (layer {args.layer}; its other layers kept: {', '.join(kept)})" if kept else ""
    _say(f"wrote {len(layer)} features of {args.layer} to {out}{note}")
    return 0


def layer_table(atlas, era: str | None = None) -> str:
    """The ``layers`` listing as text, grouped by era: id, vintage, features, population, basis, source."""
    from commissioning_atlas.sources.population import get_basis

    ids = atlas.layer_ids(era=era)
    rows = []
    for lid in ids:
        layer = atlas.layer(lid)
        info = atlas.info(lid)
        rows.append((info["era"], lid, info["vintage"], f"{len(layer):,}", f"{int(layer['population'].sum()):,}",
                     layer.attrs.get("population_basis", info["basis"]), info["source"]))
    widths = [max(len(r[i]) for r in rows + [("", "layer", "vintage", "features", "population", "basis")])
              for i in range(6)]
    lines = []
    for e in dict.fromkeys(r[0] for r in rows):
        lines.append(f"== {e}")
        lines.append(f"{'layer':<{widths[1]}}  {'vintage':<{widths[2]}}  {'features':>{widths[3]}}  "
                     f"{'population':>{widths[4]}}  {'basis':<{widths[5]}}  source")
        for r in rows:
            if r[0] == e:
                lines.append(f"{r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]:>{widths[4]}}  "
                             f"{r[5]:<{widths[5]}}  {r[6]}")
    bases = sorted({r[5] for r in rows})
    lines.append("bases: " + "; ".join(f"{b} = {get_basis(b).title}" for b in bases))
    return "\n".join(lines) + "\n"


def _tolerance(args):
    from commissioning_atlas.checks import Tolerance

    if not 0 <= args.tolerance < 0.5:
        raise AtlasError(f"--tolerance must be a share between 0 and 0.5, got {args.tolerance}")
    return Tolerance(share=args.tolerance)


def cmd_check(args) -> int:
    """Run a preset or a subject/against check; exit 0 without findings, 1 with findings."""
    from commissioning_atlas import checks

    if args.list_presets:
        for name, p in checks.PRESETS.items():
            _say(f"{name:<24} {p['subject']} vs {p['against'] or 'thresholds'} ({', '.join(p['rules'])}): "
                 f"{p['question']}")
        return 0
    args.format = _check_format(args)
    if args.format == "gpkg" and not args.output:
        raise AtlasError("--format gpkg needs an output file (-o FILE.gpkg)")
    if args.preset and (args.subject or args.against):
        raise AtlasError("give either --preset or --subject/--against, not both")
    if not args.preset and not args.subject:
        raise AtlasError("nothing to check: give --preset NAME (see --list-presets) or --subject LAYER --against LAYER")
    tol = _tolerance(args)
    rules = args.rule or None
    if rules:
        checks._check_rules(rules)  # fail before the (slower) load
    if args.preset:
        checks.resolve_preset(args.preset)
    _needs_scenario(args, args.subject, args.against)
    if args.output:  # before the (slower) load
        (safe_io.guard_gpkg if args.format == "gpkg" else safe_io.guard_output)(args.output)
    atlas = _load(args)
    geometry = args.format == "gpkg"
    if args.preset:
        findings, meta = checks.run_preset(atlas, args.preset, tol, geometry=geometry, rules=rules)
    else:
        use = tuple(rules) if rules else (("size",) if args.against is None else ("crosses", "coterminosity"))
        findings = checks.run_check(atlas, args.subject, args.against, use, tol, geometry=geometry)
        meta = {"preset": None, "title": f"{args.subject} against {args.against or 'thresholds'}",
                "question": "", "subject": args.subject, "against": args.against, "rules": list(use),
                "tolerance": tol.describe()}
    text = checks.write_findings(findings, meta, args.format, args.output, encoding=stream_encoding(sys.stdout))
    if text is not None:
        if args.format == "json":
            try:
                text.encode(stream_encoding(sys.stdout))
            except UnicodeEncodeError:  # the same document, every non-ASCII character as a JSON escape
                text = json.dumps(json.loads(text), ensure_ascii=True, indent=1) + "\n"
        _say(text, end="")
    else:
        c = checks.counts(findings)
        _say(f"wrote {len(findings)} rows ({c['warning']} warning, {c['info']} info) to {args.output}")
    return 1 if checks.has_problems(findings) else 0


def _check_format(args) -> str:
    """The output format of ``check``: ``--format``, else the suffix of ``-o``, else a table."""
    if not args.output:
        return args.format or "table"
    suffix = Path(args.output).suffix.lower()
    by_suffix = FORMAT_BY_SUFFIX.get(suffix)
    if args.format is None:
        if by_suffix is None:
            what = f"the suffix {suffix!r}" if suffix else "a name without a suffix"
            raise AtlasError(f"cannot tell the format from {what}; name the file .txt, .csv, .json, .md or .gpkg, "
                             "or give --format", path=args.output)
        return by_suffix
    if by_suffix is not None and by_suffix != args.format and suffix != ".txt":
        raise AtlasError(f"--format {args.format} does not match the suffix {suffix} (a {by_suffix} file); "
                         "drop --format or change the name", path=args.output)
    return args.format


def _all_presets(atlas, geometry: bool = True) -> dict:
    """Every check preset run once: preset -> (findings, meta)."""
    from commissioning_atlas import checks

    return {name: checks.run_preset(atlas, name, geometry=geometry) for name in checks.PRESETS}


def cmd_map(args) -> int:
    """Write the atlas map, one map per check preset and index.html into a folder."""
    from commissioning_atlas.maps import write_maps

    if not 0 <= args.simplify <= 5000:
        raise AtlasError(f"--simplify must be between 0 and 5000 metres, got {args.simplify:g}")
    out = safe_io.guard_output_folder(args.output)  # before the (slower) load
    atlas = _load(args)
    if args.choropleth is not None:  # before the (slower) build of every layer and check
        from commissioning_atlas.maps import choropleths
        from commissioning_atlas.maps.figures import check_choice

        check_choice(args.choropleth, choropleths(atlas), "--choropleth")
    atlas.build_all()
    results = _all_presets(atlas)
    with safe_io.staged_folder(out) as stage:
        staged = write_maps(atlas, stage, results, tolerance=args.simplify, tiles=args.tiles, pack=not args.no_pack,
                            choropleth=args.choropleth)
        names = [p.relative_to(stage) for p in staged]
    for name in names:
        p = out / name
        _say(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)")
    return 0


def write_reports(out: Path, results: dict) -> list[str]:
    """Write each preset's findings as Markdown, CSV and JSON into ``out``; return summary lines."""
    from commissioning_atlas import checks

    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, (findings, meta) in results.items():
        for fmt, suffix in (("md", ".md"), ("csv", ".csv"), ("json", ".json")):
            checks.write_findings(findings, meta, fmt, out / f"{name}{suffix}")
        c = checks.counts(findings)
        lines.append(f"{name:<24} {c['warning']:>4} warning {c['info']:>4} info   {meta['title']}")
    return lines


def cmd_build(args) -> int:
    """The main job: every layer listed and exported, the check reports and the maps.

    Everything is written into a staging folder first and moved into ``-o`` only when the whole
    build succeeded: a failed build (disk full, say) leaves the earlier ``out/`` as it was.
    """
    import json

    from commissioning_atlas.io.export import export_layer, export_table
    from commissioning_atlas.over_time import chart, coterminosity_over_time
    from commissioning_atlas.maps import write_maps

    out = safe_io.guard_output_folder(args.output)  # before the (slower) load
    atlas = _load(args)
    atlas.build_all()
    table = layer_table(atlas)
    with safe_io.staged_folder(out) as stage:
        (stage / "layers").mkdir(parents=True, exist_ok=True)
        safe_io.write_text(stage / "layers.txt", table)
        for lid in atlas.layer_ids():
            if lid == "lsoa_2011":
                continue  # 32,844 rows: export it on request (commissioning-atlas export lsoa_2011 -o ...)
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.csv")
            export_layer(atlas.layer(lid), stage / "layers" / f"{lid}.gpkg", layer_name=lid)
        over_time = coterminosity_over_time(atlas)
        export_table(over_time, stage / "over_time.csv")
        chart(over_time, stage / "over_time.png")
        safe_io.write_text(stage / "build_report.json", json.dumps(atlas.report, indent=1, sort_keys=True, default=str))
        results = _all_presets(atlas)
        summary = write_reports(stage / "checks", results)
        maps = write_maps(atlas, stage / "maps", results, tiles=False)
    _say(table, end="")
    _say(f"wrote {out / 'layers.txt'} and {len(atlas.layer_ids()) - 1} layers to {out / 'layers'} (.csv, .gpkg)")
    _say(f"wrote {out / 'over_time.csv'} and {out / 'over_time.png'}: commissioners and councils of their time, "
         f"{over_time['date'].iat[0][:4]}-{over_time['date'].iat[-1][:4]}")
    _say(f"wrote {out / 'build_report.json'}: what the build measured, layer by layer")
    _say("\n".join(summary))
    _say(f"wrote {len(results)} check reports to {out / 'checks'} (.md, .csv, .json)")
    _say(f"wrote {len(maps)} maps to {out / 'maps'}: open {out / 'maps' / 'index.html'}")
    return 0


def _debug_flag(p: argparse.ArgumentParser, top: bool = False) -> None:
    p.add_argument("--debug", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="on an unexpected error, print the traceback")


def _population_arg(args, atlas):
    """The ``--population`` vector and its basis (``None, None``: the FROM layer's default basis)."""
    if args.population is None:
        return None, None
    return atlas.population(args.population), args.population


def _check_population_arg(args) -> None:
    """Fail on an unknown basis (with suggestions) before the slower load."""
    from commissioning_atlas.sources.population import get_basis

    if args.population is not None:
        b = get_basis(args.population)
        if not b.per_lsoa:
            raise AtlasError(f"--population {b.id}: {b.title} is held on CCG layers only, not per LSOA; "
                             "use census_2011, mid_2017, mid_2019, mid_2020 or census_2021")


def cmd_crosswalk(args) -> int:
    """Every (FROM, TO) pair sharing LSOAs, with people, area, shares and best fit."""
    from commissioning_atlas.crosswalk import check_output, crosswalk, write_crosswalk

    _check_population_arg(args)
    check_output(args.output, "crosswalk")
    atlas = _load(args)
    pop, basis = _population_arg(args, atlas)
    cw = crosswalk(atlas, args.from_layer, args.to_layer, population=pop, basis=basis)
    text = write_crosswalk(cw, args.output, atlas=atlas)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(cw)} pairs of {args.from_layer} -> {args.to_layer} to {args.output}")
        print(cw.attrs["meta"]["statement"])
    return 0


def _columns(value: str | None) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()] if value else []


def cmd_apportion(args) -> int:
    """Re-base a table of figures per FROM unit onto the TO units."""
    from commissioning_atlas.crosswalk import apportion, check_output, write_apportioned
    from commissioning_atlas.sources.readers import read_table

    _check_population_arg(args)
    check_output(args.output, "apportion")
    data = read_table(args.data, required=[args.code_column])
    atlas = _load(args)
    pop, basis = _population_arg(args, atlas)
    out = apportion(atlas, data, args.code_column, args.from_layer, args.to_layer, counts=_columns(args.counts),
                    rates=_columns(args.rates), population=pop, basis=basis, path=args.data)
    text = write_apportioned(out, args.output)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"wrote {len(out)} {args.to_layer} rows to {args.output}")
        print(out.attrs["meta"]["statement"])
    return 0


def cmd_advise(args) -> int:
    """Propose groupings that pass the rules; write them as a scenario (and a findings map)."""
    from commissioning_atlas.cli.advise import run_advise, validate_advise_args

    validate_advise_args(args)  # fail before the (slower) load
    for line in run_advise(_load(args), args):
        print(line)
    return 0


def cmd_plan(args) -> int:
    """Write the planner page (see :mod:`.cli.plan`)."""
    from commissioning_atlas.cli.plan import prepare_plan_args, run_plan

    prepare_plan_args(args)  # fail before the (slower) load
    for line in run_plan(_load(args), args):
        _say(line)
    return 0


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
    f.set_defaults(func=cmd_fetch)
    la = sub.add_parser("layers", help="list the layers by era: id, vintage, features, population, basis, source")
    la.add_argument("--era", metavar="YEAR", help="only the layers of one era, e.g. 2022")
    _common(la)
    la.set_defaults(func=cmd_layers)
    ex = sub.add_parser("export", help="write a layer to .gpkg, .geojson (EPSG:4326) or .csv")
    ex.add_argument("layer", help="layer id, e.g. pct_cluster_2011 or css_2012")
    ex.add_argument("-o", "--output", required=True, metavar="FILE")
    _common(ex)
    ex.set_defaults(func=cmd_export)
    from commissioning_atlas.checks import DEFAULT_SHARE_TOLERANCE, FORMATS, RULES
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
    c.add_argument("--list-presets", action="store_true", help="list the presets and exit")
    _common(c)
    c.set_defaults(func=cmd_check)
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
    m.set_defaults(func=cmd_map)
    from commissioning_atlas.cli.advise import add_advise_arguments

    ad = sub.add_parser("advise", help="propose contiguous groupings of a layer's units that reach a population floor")
    add_advise_arguments(ad)
    _common(ad, scenario=False)
    ad.set_defaults(func=cmd_advise)
    from commissioning_atlas.cli.plan import add_plan_arguments

    pl = sub.add_parser("plan", help="write the planner page: click units into groups, checked as you click")
    add_plan_arguments(pl)
    _common(pl, scenario=False)
    pl.set_defaults(func=cmd_plan)
    b = sub.add_parser("build", help="the main job: build every layer and write the outputs into a folder")
    b.add_argument("-o", "--output", default="out", metavar="DIR")
    _common(b)
    b.set_defaults(func=cmd_build)
    cw = sub.add_parser("crosswalk", help="every (FROM unit, TO unit) pair sharing people, with shares and best fit")
    cw.add_argument("from_layer", metavar="FROM", help="layer id, e.g. pct_2011")
    cw.add_argument("to_layer", metavar="TO", help="layer id, e.g. ccg_2013")
    cw.add_argument("-o", "--output", metavar="FILE", help=".csv, .json, .md or .gpkg (default: Markdown on stdout)")
    _common(cw)
    cw.set_defaults(func=cmd_crosswalk)
    ap = sub.add_parser("apportion", help="re-base a table of figures per FROM unit onto the TO units")
    ap.add_argument("data", metavar="DATA.csv", help="one row per FROM unit")
    ap.add_argument("--code-column", required=True, metavar="COL", help="column holding the FROM code (or ODS code)")
    ap.add_argument("--from", dest="from_layer", required=True, metavar="FROM", help="layer of the table, e.g. pct_2011")
    ap.add_argument("--to", dest="to_layer", required=True, metavar="TO", help="layer to re-base onto, e.g. ccg_2013")
    ap.add_argument("--counts", metavar="COLS", help="comma-separated count columns (split by population share)")
    ap.add_argument("--rates", metavar="COLS", help="comma-separated rate columns (population-weighted means)")
    ap.add_argument("-o", "--output", metavar="FILE", help=".csv, .json or .md (default: Markdown on stdout)")
    _common(ap)
    ap.set_defaults(func=cmd_apportion)
    return p


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run(argv: list[str] | None) -> int:
    safe_io.reset()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "scenario", None):
        safe_io.register_input(args.scenario)
    if getattr(args, "mirror", None):
        safe_io.protect_folder(args.mirror, "the mirror of upstream files")
    return int(args.func(args) or 0)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (see the module docstring)."""
    raw = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in raw
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, category, *a, **k: _warn(f"warning: {message}")
        try:
            return _run(argv)
        except AtlasError as exc:
            _say(f"error: {exc}", sys.stderr)
            return 2
        except KeyboardInterrupt:
            _say("interrupted", sys.stderr)
            return 130
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
