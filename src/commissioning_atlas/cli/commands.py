"""The commands: fetch, layers, export, check, map, build, crosswalk, apportion, advise, plan."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from commissioning_atlas import settings
from commissioning_atlas._errors import AtlasError
from commissioning_atlas.cli.common import (
    FORMAT_BY_SUFFIX,
    _check_population_arg,
    _columns,
    _load,
    _needs_scenario,
    _population_arg,
    _say,
    _tolerance,
)
from commissioning_atlas.io import safe as safe_io
from commissioning_atlas.io.text import stream_encoding
from commissioning_atlas.pipeline import build_outputs, run_all_presets


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
    _known_layers(args, args.layer, None)
    fmt = check_output(args.output, args.policy)  # before the (slower) load
    atlas = _load(args)
    layer = atlas.layer(args.layer)
    kept = [n for n in safe_io.gpkg_layers(args.output) if n != args.layer] if fmt == "GPKG" else []
    out = export_layer(layer, args.output, layer_name=args.layer, policy=args.policy)
    note = f" (layer {args.layer}; its other layers kept: {', '.join(kept)})" if kept else ""
    _wrote(args.output, f"wrote {len(layer)} features of {args.layer} to {out}{note}")
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


def cmd_check(args) -> int:
    """Run a preset or a subject/against check; exit 0 without findings, 1 with findings."""
    from commissioning_atlas import checks

    if args.list_presets:
        for name, p in checks.declared_presets().items():
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
    _known_layers(args, args.subject, args.against)
    if args.output:  # before the (slower) load
        (safe_io.guard_gpkg if args.format == "gpkg" else safe_io.guard_output)(args.output, args.policy)
    atlas = _load(args)
    geometry = args.format == "gpkg"
    if args.preset:
        findings, meta = checks.run_preset(atlas, args.preset, tol, geometry=geometry, rules=rules)
    else:
        use = tuple(rules) if rules else (("size",) if args.against is None else ("crosses", "coterminosity"))
        findings = checks.run_check(atlas, args.subject, args.against, use, tol, geometry=geometry)
        meta = {"preset": None, "title": f"{args.subject} against {args.against or 'thresholds'}",
                "question": "", "subject": args.subject, "against": args.against, "rules": list(use),
                "tolerance": tol.describe(), "population_basis": atlas.held_basis or checks.basis_of(atlas, args.subject)}
        if "splits" in use:
            meta["split_rule"] = tol.describe_splits()
            meta["councils_split"] = len(checks.councils_split(findings))
    text = checks.write_findings(findings, meta, args.format, args.output, encoding=stream_encoding(sys.stdout),
                                 policy=args.policy)
    if text is not None:
        if args.format == "json":
            try:
                text.encode(stream_encoding(sys.stdout))
            except UnicodeEncodeError:  # the same document, every non-ASCII character as a JSON escape
                text = json.dumps(json.loads(text), ensure_ascii=True, indent=1) + "\n"
        _say(text, end="")
    else:
        c = checks.counts(findings)
        _wrote(args.output, f"wrote {len(findings)} rows ({c['warning']} warning, {c['info']} info) to {args.output}")
    return 1 if checks.has_problems(findings) else 0


def _known_layers(args, subject: str | None, against: str | None) -> None:
    """Unknown layers (``check --subject/--against``, ``export LAYER``), or the same layer twice, fail
    before the (slower) load, with the message the atlas gives (among every declared layer, the shipped
    footprint sets and ``scenario``)."""
    from commissioning_atlas.registry import footprint_sets, layer_ids, suggest

    known = [*layer_ids(), *footprint_sets(), *(["scenario"] if getattr(args, "scenario", None) else [])]
    for lid in (subject, against):
        if lid is not None and lid not in known:
            raise suggest(lid, known, "layer")
    if subject is not None and subject == against:
        raise AtlasError(f"--subject and --against are the same layer ({subject})")


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


def cmd_map(args) -> int:
    """Write the atlas map, one map per check preset and index.html into a folder."""
    from commissioning_atlas.maps import write_maps

    if not 0 <= args.simplify <= 5000:
        raise AtlasError(f"--simplify must be between 0 and 5000 metres, got {args.simplify:g}")
    out = safe_io.guard_output_folder(args.output, args.policy)  # before the (slower) load
    atlas = _load(args)
    if args.choropleth is not None:  # before the (slower) build of every layer and check
        from commissioning_atlas.maps import choropleths
        from commissioning_atlas.maps.figures import check_choice

        check_choice(args.choropleth, choropleths(atlas), "--choropleth")
    atlas.build_all(parallel=True)  # the CLI opts in to reading population bases in a worker
    results = run_all_presets(atlas)
    with safe_io.staged_folder(out, args.policy) as stage:
        staged = write_maps(atlas, stage, results, tolerance=args.simplify, tiles=args.tiles, pack=not args.no_pack,
                            choropleth=args.choropleth, policy=args.policy)
        names = [p.relative_to(stage) for p in staged]
    for name in names:
        p = out / name
        _say(f"wrote {p} ({p.stat().st_size / 1e6:.2f} MB)")
    return 0


def cmd_build(args) -> int:
    """The main job (:func:`commissioning_atlas.pipeline.build_outputs`): every layer listed and exported, the
    check reports and the maps, staged so a failed build leaves the earlier ``out/`` as it was."""
    out = safe_io.guard_output_folder(args.output, args.policy)  # before the (slower) load
    atlas = _load(args)
    atlas.build_all(parallel=True)  # the CLI opts in to reading population bases in a worker
    res = build_outputs(atlas, out, layer_table(atlas), args.policy)
    _say(res.layer_table, end="")
    _say(f"wrote {out / 'layers.txt'} and {len(res.layer_ids) - 1} layers to {out / 'layers'} (.csv, .gpkg)")
    _say(f"wrote {out / 'over_time.csv'} and {out / 'over_time.png'}: commissioners and councils of their time, "
         f"{res.years[0]}-{res.years[1]}")
    _say(f"wrote {out / 'build_report.json'}: what the build measured, layer by layer")
    _say(f"wrote {out / 'README.md'}: what each file and folder here holds")
    _say("\n".join(res.check_lines))
    _say(f"wrote {res.checks} check reports to {out / 'checks'} (.md, .csv, .json)")
    _say(f"wrote {len(res.maps)} maps to {out / 'maps'}: open {out / 'maps' / 'index.html'}")
    return 0


def cmd_crosswalk(args) -> int:
    """Every (FROM, TO) pair sharing LSOAs, with people, area, shares and best fit."""
    from commissioning_atlas.crosswalk import check_output, crosswalk, write_crosswalk

    _check_population_arg(args, held="crosswalk")  # before the (slower) load
    check_output(args.output, "crosswalk", args.policy)
    atlas = _load(args)
    pop, basis = _population_arg(args, atlas)
    cw = crosswalk(atlas, args.from_layer, args.to_layer, population=pop, basis=basis)
    kept = sorted(n for n in safe_io.gpkg_layers(args.output) if n != "crosswalk") if args.output else []
    text = write_crosswalk(cw, args.output, atlas=atlas, policy=args.policy)
    if text is not None:
        _say(text, end="")
    else:
        note = f" (layer crosswalk; its other layers kept: {', '.join(kept)})" if kept else ""
        _wrote(args.output, f"wrote {len(cw)} pairs of {args.from_layer} -> {args.to_layer} to {args.output}{note}",
               cw.attrs["meta"]["statement"])
    return 0


def _wrote(output, *lines: str) -> None:
    """Say what was written: on stdout, or on stderr when the output itself went to stdout as a stream."""
    stream = sys.stderr if safe_io.is_stdout(output) else sys.stdout
    for line in lines:
        _say(line, stream)


def cmd_apportion(args) -> int:
    """Re-base a table of figures per FROM unit onto the TO units."""
    from commissioning_atlas.crosswalk import apportion, check_output, write_apportioned
    from commissioning_atlas.io.read import read_user_csv

    _check_population_arg(args)
    check_output(args.output, "apportion", args.policy)
    data = read_user_csv(args.data, "data table", required=[args.code_column])
    atlas = _load(args)
    pop, basis = _population_arg(args, atlas)
    out = apportion(atlas, data, args.code_column, args.from_layer, args.to_layer, counts=_columns(args.counts),
                    rates=_columns(args.rates), population=pop, basis=basis, path=args.data)
    text = write_apportioned(out, args.output, policy=args.policy)
    if text is not None:
        _say(text, end="")
    else:
        _wrote(args.output, f"wrote {len(out)} {args.to_layer} rows to {args.output}", out.attrs["meta"]["statement"])
    return 0


def cmd_advise(args) -> int:
    """Propose groupings that pass the rules; write them as a scenario (and a findings map)."""
    from commissioning_atlas.cli.advise import run_advise, validate_advise_args

    validate_advise_args(args)  # fail before the (slower) load
    for line in run_advise(_load(args), args):
        _wrote(args.output, line)
    return 0


def cmd_plan(args) -> int:
    """Write the planner page (see :mod:`.cli.plan`)."""
    from commissioning_atlas.cli.plan import prepare_plan_args, run_plan

    prepare_plan_args(args)  # fail before the (slower) load
    for line in run_plan(_load(args), args):
        _say(line)
    return 0
