"""The ``commissioning-atlas`` command line.

Every failure the user can fix is an :class:`AtlasError`: printed as one line on
stderr with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import settings
from ._errors import AtlasError


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
    if scenario:
        p.add_argument("--scenario", metavar="FILE",
                       help="your own proposal set (CSV or YAML in the schema of geo/css_2012.csv)")


def _load(args):
    from . import load

    return load(mirror=args.mirror, engine=args.engine, rebuild=args.rebuild,
                scenario=getattr(args, "scenario", None), progress=not args.quiet)


def cmd_fetch(args) -> int:
    from .catalogue import load_catalogue
    from .fetch import fetch

    groups = load_catalogue()
    paths = fetch(groups.values(), mirror=args.mirror, progress=not args.quiet)
    n = sum(len(v) for v in paths.values())
    size = sum(p.stat().st_size for v in paths.values() for p in v)
    print(f"{n} files in {len(paths)} groups verified (sha256) in {settings.cache_dir()} ({size / 1e6:.1f} MB)")
    return 0


def cmd_layers(args) -> int:
    atlas = _load(args)
    sys.stdout.write(layer_table(atlas))
    return 0


def cmd_export(args) -> int:
    from .export import export_layer

    atlas = _load(args)
    layer = atlas.layer(args.layer)
    out = export_layer(layer, args.output, layer_name=args.layer)
    print(f"wrote {len(layer)} features of {args.layer} to {out}")
    return 0


def layer_table(atlas) -> str:
    """The ``layers`` listing as text: id, vintage, features, total population, source."""
    rows = []
    for lid in atlas.layer_ids():
        layer = atlas.layer(lid)
        info = atlas.info(lid)
        rows.append((lid, info["vintage"], f"{len(layer):,}", f"{int(layer['population'].sum()):,}", info["source"]))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{'layer':<{widths[0]}}  {'vintage':<{widths[1]}}  {'features':>{widths[2]}}  "
             f"{'population':>{widths[3]}}  source"]
    for r in rows:
        lines.append(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]}")
    return "\n".join(lines) + "\n"


def _tolerance(args):
    from .checks import Tolerance

    if not 0 <= args.tolerance < 0.5:
        raise AtlasError(f"--tolerance must be a share between 0 and 0.5, got {args.tolerance}")
    return Tolerance(share=args.tolerance)


def cmd_check(args) -> int:
    """Run a preset or a subject/against check; exit 0 without findings, 1 with findings."""
    from . import checks

    if args.list_presets:
        for name, p in checks.PRESETS.items():
            print(f"{name:<24} {p['subject']} vs {p['against'] or 'thresholds'} ({', '.join(p['rules'])}): {p['question']}")
        return 0
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
    text = checks.write_findings(findings, meta, args.format, args.output)
    if text is not None:
        sys.stdout.write(text)
    else:
        c = checks.counts(findings)
        print(f"wrote {len(findings)} rows ({c['warning']} warning, {c['info']} info) to {args.output}")
    return 1 if checks.has_problems(findings) else 0


def _all_presets(atlas, geometry: bool = True) -> dict:
    """Every check preset run once: preset -> (findings, meta)."""
    from . import checks

    return {name: checks.run_preset(atlas, name, geometry=geometry) for name in checks.PRESETS}


def cmd_map(args) -> int:
    """Write the atlas map, one map per check preset and index.html into a folder."""
    from .maps import write_maps

    if not 0 <= args.simplify <= 5000:
        raise AtlasError(f"--simplify must be between 0 and 5000 metres, got {args.simplify:g}")
    atlas = _load(args)
    paths = write_maps(atlas, Path(args.output), _all_presets(atlas), tolerance=args.simplify, tiles=args.tiles,
                       pack=not args.no_pack)
    for p in paths:
        print(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)")
    return 0


def write_reports(out: Path, results: dict) -> list[str]:
    """Write each preset's findings as Markdown, CSV and JSON into ``out``; return summary lines."""
    from . import checks

    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, (findings, meta) in results.items():
        for fmt, suffix in (("md", ".md"), ("csv", ".csv"), ("json", ".json")):
            checks.write_findings(findings, meta, fmt, out / f"{name}{suffix}")
        c = checks.counts(findings)
        lines.append(f"{name:<24} {c['warning']:>4} warning {c['info']:>4} info   {meta['title']}")
    return lines


def cmd_build(args) -> int:
    """The main job: every layer listed and exported, the check reports and the maps."""
    from .export import atomic_write, export_layer
    from .maps import write_maps

    atlas = _load(args)
    out = Path(args.output)
    (out / "layers").mkdir(parents=True, exist_ok=True)
    table = layer_table(atlas)
    atomic_write(out / "layers.txt", lambda p: p.write_text(table, encoding="utf-8"))
    for lid in atlas.layer_ids():
        if lid == "lsoa_2011":
            continue  # 32,844 rows: export it on request (commissioning-atlas export lsoa_2011 -o ...)
        export_layer(atlas.layer(lid), out / "layers" / f"{lid}.csv")
        export_layer(atlas.layer(lid), out / "layers" / f"{lid}.gpkg", layer_name=lid)
    sys.stdout.write(table)
    print(f"wrote {out / 'layers.txt'} and {len(atlas.layer_ids()) - 1} layers to {out / 'layers'} (.csv, .gpkg)")
    results = _all_presets(atlas)
    summary = write_reports(out / "checks", results)
    print("\n".join(summary))
    print(f"wrote {len(results)} check reports to {out / 'checks'} (.md, .csv, .json)")
    paths = write_maps(atlas, out / "maps", results, tiles=False)
    print(f"wrote {len(paths)} maps to {out / 'maps'}: open {out / 'maps' / 'index.html'}")
    return 0


def cmd_advise(args) -> int:
    """Propose groupings that pass the rules; write them as a scenario (and a findings map)."""
    from .advise_cli import run_advise, validate_advise_args

    validate_advise_args(args)  # fail before the (slower) load
    for line in run_advise(_load(args), args):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    p = _Parser(prog="commissioning-atlas",
                description="Map the NHS commissioning reorganisation of 2011-13 and check proposals against boundaries.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    f = sub.add_parser("fetch", help="fetch and verify every pinned source file")
    f.add_argument("--mirror", metavar="DIR", help=f"local mirror (default ${settings.MIRROR_ENV})")
    f.add_argument("--quiet", action="store_true", help="no progress bars")
    f.set_defaults(func=cmd_fetch)
    la = sub.add_parser("layers", help="list every layer: id, vintage, features, population, source")
    _common(la)
    la.set_defaults(func=cmd_layers)
    ex = sub.add_parser("export", help="write a layer to .gpkg, .geojson (EPSG:4326) or .csv")
    ex.add_argument("layer", help="layer id, e.g. pct_cluster_2011 or css_2012")
    ex.add_argument("-o", "--output", required=True, metavar="FILE")
    _common(ex)
    ex.set_defaults(func=cmd_export)
    from .checks import DEFAULT_SHARE_TOLERANCE, FORMATS, RULES
    from .maps import DEFAULT_TOLERANCE_M

    c = sub.add_parser("check", help="check footprints against boundaries (exit 0: no findings, 1: findings, 2: error)")
    c.add_argument("--preset", metavar="NAME", help="a named check (see --list-presets)")
    c.add_argument("--subject", metavar="LAYER", help="layer whose features are checked, e.g. css_2012")
    c.add_argument("--against", metavar="LAYER", help="reference layer, e.g. sha_2011")
    c.add_argument("--rule", action="append", metavar="RULE", help=f"rule to run, repeatable: {', '.join(RULES)}")
    c.add_argument("--format", default="table", choices=FORMATS, help="output format (default table)")
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
                   help="write scripts and data as plain text (2.6 times the bytes; opens in browsers older than 2023)")
    _common(m)
    m.set_defaults(func=cmd_map)
    from .advise_cli import add_advise_arguments

    ad = sub.add_parser("advise", help="propose contiguous groupings of a layer's units that reach a population floor")
    add_advise_arguments(ad)
    _common(ad, scenario=False)
    ad.set_defaults(func=cmd_advise)
    b = sub.add_parser("build", help="the main job: build every layer and write the outputs into a folder")
    b.add_argument("-o", "--output", default="out", metavar="DIR")
    _common(b)
    b.set_defaults(func=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except AtlasError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): not an error, and no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
