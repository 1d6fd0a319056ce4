"""A solve's result as the command line's files and one summary line (the `solve` contract).

`write_result` writes result.json (`result_dict`), lanes.csv (the lane chosen for each ZIP3) and
sites.csv; `summary` is the line `python -m network solve` prints (network/cli.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from network.evaluate import chosen_lanes_frame, kpis_dict, sites_frame
from network.optimize.result import OptimizeResult, SolveStatus


def summary(result: OptimizeResult) -> str:
    if result.status is SolveStatus.CHECK_FAILED:
        return (f"{result.status.value}: the design breaks the scenario "
                f"({result.solve_seconds:.2f} s)")
    if not result.status.has_design:
        return f"{result.status.value}: no design ({result.solve_seconds:.2f} s)"
    gap = "no proven gap" if result.gap is None else f"gap {100 * result.gap:.4f}%"
    return (f"{result.status.value}: ${result.objective_usd:,.0f}/yr with "
            f"{len(result.open_site_ids)} sites ({', '.join(result.open_site_ids)}); "
            f"{gap}; {result.solve_seconds:.2f} s")


def result_dict(result: OptimizeResult) -> dict:
    """result.json: the command line's contract (README, "Command line")."""
    doc = {"status": result.status.value, "objective_usd": None, "best_bound_usd": None,
           "gap": result.gap, "solve_seconds": round(result.solve_seconds, 4),
           "open_sites": list(result.open_site_ids), "kpis": None,
           "explanation": list(result.explanation),
           "solver_objective_usd": result.solver_objective_usd,
           "lanes_after_reduction": result.n_options}
    if result.objective_usd is not None:
        doc["objective_usd"] = round(result.objective_usd, 2)
    if result.best_bound_usd is not None:
        doc["best_bound_usd"] = round(result.best_bound_usd, 2)
    if result.evaluation is not None:
        doc["kpis"] = kpis_dict(result.evaluation)
    return doc


def write_result(result: OptimizeResult, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result_dict(result), indent=2) + "\n")
    if result.evaluation is not None:
        chosen_lanes_frame(result.evaluation).to_csv(out / "lanes.csv", index=False)
        sites_frame(result.evaluation).to_csv(out / "sites.csv", index=False)
