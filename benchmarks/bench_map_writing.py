"""Benchmark: ``commissioning-atlas map`` from a warm cache, this version against an earlier one, in the same run.

Each round runs the steps of ``map`` once per version, each in a fresh process (which version goes first
alternates, so load on a shared machine falls on both alike): load the atlas, build every layer (read from
the warm cache), run every check preset, and write every page with ``write_maps`` into a temporary folder.
Each step is timed in wall seconds and in CPU seconds of the process and its children (on a loaded machine
the CPU seconds vary far less than the wall). The earlier version is ``git archive``d from ``--baseline``
(default ``f020d52``, main before the pages shared their work); the pages both versions write are compared
by sha256: the same bytes when the two revisions differ only in how the work is done (for that, pass a
revision that is this one with the speed-ups reverted; later changes to what the pages show make them differ).
Medians of ``--rounds`` rounds.

Against ``f020d52``, 2 rounds (load average 1-7 on 2 cores): ``write_maps`` 35.8 s of CPU against 87.9 s (2.46x;
wall 46.9 s against 137.5 s), the whole ``map`` 41.7 s against 95.5 s (2.29x; wall 57.1 s against 145.6 s).

Usage: COMMISSIONING_ATLAS_MIRROR=../shared/data COMMISSIONING_ATLAS_CACHE=boundaries/cache \
       python benchmarks/bench_map_writing.py [--baseline REV] [--rounds N]
About 2.5 minutes of CPU per round.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("load", "build", "checks", "write_maps")


def _cpu() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def worker(out: Path) -> None:
    """Run the steps of ``map`` into ``out`` (the version on ``sys.path``); print their times as JSON."""
    times: dict[str, list[float]] = {}
    wall, cpu = time.perf_counter(), _cpu()

    def lap(step: str) -> None:
        nonlocal wall, cpu
        w, c = time.perf_counter(), _cpu()
        times[step] = [w - wall, c - cpu]
        wall, cpu = w, c

    import commissioning_atlas as ca
    from commissioning_atlas.maps import write_maps
    from commissioning_atlas.pipeline import run_all_presets

    atlas = ca.load(progress=False)
    lap("load")
    atlas.build_all(parallel=True)  # as the CLI's map does
    lap("build")
    results = run_all_presets(atlas)
    lap("checks")
    written = write_maps(atlas, out, results)
    lap("write_maps")
    pages = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    print(json.dumps({"times": times, "pages": pages, "version": ca.__file__}))


def run(src: Path, out: Path) -> dict:
    """One worker run with the package of ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    r = subprocess.run([sys.executable, __file__, "--worker", str(out)], env=env, capture_output=True, text=True,
                       check=False)
    if r.returncode:
        raise SystemExit(f"worker with {src} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="f020d52", help="the earlier version (a git revision; default f020d52)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians compared (default 3)")
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    with tempfile.TemporaryDirectory(prefix="bench-map-writing-") as tmp:
        tmp = Path(tmp)
        old_src = tmp / "baseline"
        old_src.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline, "src"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old_src)], input=archive, check=True)
        versions = {"now": ROOT / "src", "baseline": old_src / "src"}
        runs: dict[str, list[dict]] = {k: [] for k in versions}
        for r in range(args.rounds):
            order = list(versions) if r % 2 == 0 else list(versions)[::-1]
            for key in order:
                out = tmp / f"{key}-{r}"
                runs[key].append(run(versions[key], out))
                t = runs[key][-1]["times"]
                print(f"round {r + 1} {key:<8} " + "  ".join(f"{s} {t[s][0]:.1f} s ({t[s][1]:.1f} s CPU)" for s in STEPS),
                      flush=True)
    same = all(a["pages"] == b["pages"] for a, b in zip(runs["now"], runs["baseline"]))
    n_pages = len(runs["now"][0]["pages"])
    print(f"\nmedians of {args.rounds} interleaved rounds, seconds (wall / CPU); baseline {args.baseline}")
    print(f"{'step':<12}{'now wall':>10}{'now CPU':>10}{'base wall':>11}{'base CPU':>10}{'wall x':>8}{'CPU x':>7}")
    total = {k: [0.0, 0.0] for k in versions}
    for step in STEPS:
        med = {k: [statistics.median(run_["times"][step][i] for run_ in runs[k]) for i in (0, 1)] for k in versions}
        for k in versions:
            total[k] = [total[k][0] + med[k][0], total[k][1] + med[k][1]]
        n, b = med["now"], med["baseline"]
        print(f"{step:<12}{n[0]:10.1f}{n[1]:10.1f}{b[0]:11.1f}{b[1]:10.1f}{b[0] / n[0]:7.2f}x{b[1] / n[1]:6.2f}x")
    n, b = total["now"], total["baseline"]
    print(f"{'map (all)':<12}{n[0]:10.1f}{n[1]:10.1f}{b[0]:11.1f}{b[1]:10.1f}{b[0] / n[0]:7.2f}x{b[1] / n[1]:6.2f}x")
    print(f"{n_pages} pages; every page the same bytes in both versions: {same}")


if __name__ == "__main__":
    main()
