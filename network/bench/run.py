"""`python -m network bench`: the optimizer against the textbook model, side by side in one run.

One row per scenario class (classes.py, the files in data/scenarios/bench/): the median of
cold solves, the median of warm re-solves after small edits, the proven gap, and the textbook
model (textbook.py) in HiGHS to the same gap, capped (a capped run counts as the cap and says
so), with its time over our cold median: `ratio` in wall seconds, `cpu_ratio` in CPU seconds
(every thread of each process: our solve runs a second thread beside the first, so the CPU
ratio is the one that compares like with like). Under each row, the cold solves' wall and CPU
seconds, the warm edits', and the textbook's result, CPU and, when capped, HiGHS's last log
line. `--classes a,b` runs a subset (the default always first), `--quick` one cold solve, one
warm edit and a 20 s cap, `--no-textbook` skips the textbook model. `--orlib` adds the
OR-Library sets (orlib.py) and `--scale` the ZIP5 x 300 instance (zip5.py). The last line is
machine-readable, the default class's figures and the slowest class's cold median:
    ratio_vs_textbook=N.N median_default_solve_s=N.NN warm_resolve_s=N.NN worst_class_cold_s=N.NN
(`--scale-only` ends with `scale_gap=N.NNNN scale_solve_s=N.NN scale_peak_mb=N`, `--orlib-only`
with `orlib_matched=M/N`).
"""

from __future__ import annotations

import argparse

from network.bench.classes import (
    ClassRow,
    class_names,
    print_detail,
    print_header,
    print_row,
    run_class,
    time_scenario,
)
from network.bench.orlib import run_orlib
from network.bench.zip5 import SCALE_GAP, run_scale

WARM_EDITS = 4  # every edit of classes.small_edits
QUICK_TEXTBOOK_LIMIT_S = 20.0


def run_bench(args: argparse.Namespace) -> int:
    if getattr(args, "scale_only", False):
        row = run_scale(args.scale_points, args.scale_sites, args.scale_time_limit)
        print(f"scale_gap={row['gap']:.4f} scale_solve_s={row['solve_s']:.2f} "
              f"scale_peak_mb={row['peak_mb']:.0f}")
        return 0 if row["gap"] <= SCALE_GAP else 1
    if getattr(args, "orlib_only", False):
        rows = run_orlib(args.orlib_filter, args.orlib_time_limit)
        print(f"orlib_matched={sum(r[5] for r in rows)}/{len(rows)}")
        return 0 if all(r[5] for r in rows) else 1
    if getattr(args, "smoke", False):
        return _run_smoke()
    names = _class_names(args)
    repeats, warm_edits, cap = _effort(args)
    print_header()
    rows = []
    for name in names:
        row = run_class(name, repeats, warm_edits, cap)
        print_row(row)
        print_detail(row)
        rows.append(row)
    if getattr(args, "orlib", False):
        run_orlib(args.orlib_filter, args.orlib_time_limit)
    if getattr(args, "scale", False):
        run_scale(args.scale_points, args.scale_sites, args.scale_time_limit)
    print(_last_line(rows))
    return 0


def _class_names(args: argparse.Namespace) -> list[str]:
    """The classes asked for (`--classes a,b`), the default always first; all by default."""
    known = class_names()
    asked = [n.strip() for n in (getattr(args, "classes", "") or "").split(",") if n.strip()]
    unknown = [n for n in asked if n not in known]
    if unknown:
        raise SystemExit(f"bench: no class {', '.join(unknown)} (known: {', '.join(known)})")
    names = asked or known
    return ["default", *(n for n in names if n != "default")]


def _effort(args: argparse.Namespace) -> tuple[int, int, float | None]:
    """(cold repeats, warm edits, textbook cap or None); `--quick`: 1, 1 and a 20 s cap."""
    if getattr(args, "quick", False):
        return 1, 1, None if args.no_textbook else QUICK_TEXTBOOK_LIMIT_S
    return (max(1, args.repeats), WARM_EDITS,
            None if args.no_textbook else args.textbook_limit)


def _last_line(rows: list[ClassRow]) -> str:
    """The machine-readable contract: the default's figures, then the slowest class's cold
    median. Without the textbook run the ratio is printed as nan."""
    default = rows[0]
    ratio = float("nan") if default.ratio is None else default.ratio
    warm = default.warm_median_s if default.warm_median_s is not None else float("nan")
    worst = max(r.cold_median_s for r in rows)
    return (f"ratio_vs_textbook={ratio:.1f} median_default_solve_s={default.cold_median_s:.2f} "
            f"warm_resolve_s={warm:.2f} worst_class_cold_s={worst:.2f}")


def _run_smoke() -> int:
    """The CI run: the toy-sized scenario once cold, one warm edit, the textbook capped at 10 s."""
    from network.bench.smoke import smoke_scenario

    row = time_scenario("smoke", smoke_scenario(), 1, 1, 10.0)
    print_header()
    print_row(row)
    print(_last_line([row]))
    return 0
