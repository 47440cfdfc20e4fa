"""The main job (`commissioning-atlas build`) on the real data: layers, every check report and the maps; and the
progress lines of map writing (on the small atlas)."""

from __future__ import annotations

import json

import pytest

from test_readme_commands import BY_TEST_BUILD, COMMANDS

from commissioning_atlas import checks, cli


@pytest.mark.integration
def test_build_writes_layers_reports_and_maps(mirror, tmp_path, capsys, monkeypatch):
    """The README's ``build -o out`` writes every layer, report and map; the README's ``map -o maps`` writes
    the same pages as build's ``maps/``, byte for byte. Both run as shown, in one process: the second command's
    load returns the atlas the first loaded (same mirror, no scenario), so England's shapes are simplified once
    for the two commands instead of twice."""
    from commissioning_atlas.cli import commands

    loaded: dict = {}
    real_load = commands._load

    def load_once(args):
        key = (str(args.mirror), getattr(args, "scenario", None))
        if key not in loaded:
            loaded[key] = real_load(args)
        return loaded[key]

    monkeypatch.setattr(commands, "_load", load_once)
    monkeypatch.chdir(tmp_path)
    build, map_ = BY_TEST_BUILD
    assert all(argv in [a for _, a, _ in COMMANDS] for argv in BY_TEST_BUILD)  # both are the README's
    out = tmp_path / "out"
    assert cli.main([*build, "--mirror", str(mirror), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {len(checks.declared_presets())} check reports" in printed and "maps/index.html" in printed
    from commissioning_atlas.registry import registry

    # every layer but the LSOAs, plus the four footprint sets
    assert len(list((out / "layers").glob("*.gpkg"))) == len(registry()) - 1 + 4
    over_time = (out / "over_time.csv").read_text(encoding="utf-8").splitlines()
    assert over_time[0].startswith("layer,title,date,bodies,councils,equal,union,within,straddling")
    assert len(over_time) == 1 + 14 and (out / "over_time.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((out / "build_report.json").read_text(encoding="utf-8"))
    # the April 2023 transfer is built in: the 2023 layers agree with the April 2024 lookup
    assert report["icb_2023"]["april_2024_lookup"]["lsoas_differing"] == 0
    assert report["sicbl_2023"]["lsoa21_moves"]["lsoas_moved"] == 4
    for name in checks.declared_presets():
        for suffix in (".md", ".csv", ".json"):
            assert (out / "checks" / f"{name}{suffix}").stat().st_size > 0
        assert (out / "maps" / f"check-{name}.html").exists()
    index = (out / "maps" / "index.html").read_text(encoding="utf-8")
    assert index.count('href="check-') == len(checks.declared_presets()) and 'href="atlas.html"' in index
    # the timeline and the planner are linked too; every page listed has its thumbnail
    assert 'href="timeline.html"' in index and 'href="planner.html"' in index
    assert index.count('<svg class="thumb"') == index.count('role="img"') == len(checks.declared_presets()) + 3
    # the index answers each question: which features are flagged (an overlap's two proposals both count)
    assert ("2 of 50 PCT clusters flagged: NHS South Yorkshire and Bassetlaw, NHS Milton Keynes and "
            "Northamptonshire.") in index
    assert ("2 of 42 Commissioning support proposals flagged: Luton and Bedfordshire CSS, Milton Keynes and "
            "Northamptonshire CSS.") in index
    assert "1 of 20 Commissioning support units flagged: NHS Staffordshire and Lancashire CSU." in index
    # a size check counts per threshold and names the smallest, on the basis the check used
    assert ("208 of 211 Clinical commissioning groups below minimum 750,000; 195 below minimum 500,000; "
            "4 below minimum 100,000; 3 above maximum 750,000. "
            "Smallest (registered patients): NHS Corby (70,729), NHS Surrey Heath (91,794)") in index
    # the report in the folder is what `check --format json` prints
    assert cli.main(["check", "--preset", "cluster-vs-sha", "--format", "json", "--mirror", str(mirror),
                     "--quiet"]) == 1
    assert json.loads(capsys.readouterr().out) == json.loads((out / "checks" / "cluster-vs-sha.json").read_text())
    assert not list(out.rglob(".*"))  # no temp files left behind
    # out/README.md names every file and folder the build wrote at the top level
    readme = (out / "README.md").read_text(encoding="utf-8")
    for entry in out.iterdir():
        if entry.name != "README.md":
            assert f"`{entry.name}" in readme, entry.name
    # `map -o maps` as the README shows it: the same pages, the same bytes
    assert cli.main([*map_, "--mirror", str(mirror), "--quiet"]) == 0 and len(loaded) == 1
    assert "wrote maps/index.html" in capsys.readouterr().out
    pages = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert pages == sorted(p.name for p in (out / "maps").iterdir()) and "atlas.html" in pages
    for name in pages:
        assert (tmp_path / "maps" / name).read_bytes() == (out / "maps" / name).read_bytes(), name


def test_map_reports_progress_page_by_page(small_atlas, tmp_path, caplog):
    """`map` and `build` take minutes: every page written is a progress line, counted against the whole."""
    import logging

    from commissioning_atlas.maps import write_maps

    checked = {"ccg-vs-pct": small_atlas.check(subject="ccg_2015", against="pct_2011"),
               "pct-vs-sha": small_atlas.check(subject="pct_2011", against="sha_2011")}
    results = {name: (f, f.attrs["meta"]) for name, f in checked.items()}
    with caplog.at_level(logging.INFO, logger="commissioning_atlas"):
        written = write_maps(small_atlas, tmp_path / "maps", results, timeline=False, planner=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "commissioning_atlas.maps.pages"]
    assert len(written) == 4  # the atlas, two checks, the index
    assert lines == [f"map {i} of {len(written)}: {p.name}" for i, p in enumerate(written, 1)]
