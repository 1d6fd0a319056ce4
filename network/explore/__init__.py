"""The tradeoff explorer: the cost of each delivery promise, sensitivity, "why not this site",
robustness; every sweep through one executor (local processes or a Dask cluster).

Each study is three steps: build its tasks, run them, turn the finished points into a table.

    tasks = frontier_tasks(scenario, within_days=2, levels=[0.5, ..., 1.0], counts=range(1, 11))
    run = run_sweep(tasks, executor)        # returns at once; points solve in the background
    for point in run: ...                   # each PointResult as it finishes (or poll:)
    run.progress                            # Progress(done, total, elapsed_s, eta_s, ...)
    run.results(); run.cancel(); run.wait()
    frontier_frame(run.results(), scenario, 2)      # the frontier.csv columns, knee flagged

    site_count_tasks(scenario, counts)      -> site_count_frame(points, scenario)  targets kept
    forcing_tasks(scenario, current_sites)  -> forcing_frame(points, scenario, current_sites)
                                               forcing_sentence(row)      "why not this site"
    sensitivity_tasks(scenario, current_sites, steps) -> sensitivity_frame(points)
                                               tornado_frame(sensitivity)
    robustness_tasks(scenario, current_sites, DemandNoise(...))
                                            -> robustness_frame(points), summarize(frame),
                                               site_frequency_frame(points, scenario, current)
    design_outcome(scenario, design)        the current design's own point (to mark it)
    with_promise(s, N, level), with_site_count(s, k)   a point's scenario (to evaluate() or
                                            open its design, point.optimum.design)

    executor_for(scheduler=None)            Dask at an address or $NETWORK_DASK_SCHEDULER,
                                            else LocalExecutor(); close() it when done

Modules: points.py (task, outcome, the worker-side solve), executor.py, reach.py (the share
bound), frontier.py, forcing.py, sensitivity.py, robustness.py, commands.py (`python -m
network sweep`).
"""

from network.explore.executor import (
    SCHEDULER_ENV,
    DaskExecutor,
    LocalExecutor,
    Progress,
    SweepRun,
    executor_for,
    run_sweep,
)
from network.explore.forcing import forcing_frame, forcing_sentence, forcing_tasks
from network.explore.frontier import (
    ANY,
    frontier_frame,
    frontier_tasks,
    site_count_frame,
    site_count_tasks,
    with_promise,
    with_site_count,
)
from network.explore.points import Outcome, PointResult, PointTask, design_outcome
from network.explore.robustness import (
    DemandNoise,
    RobustnessSummary,
    robustness_frame,
    robustness_tasks,
    site_frequency_frame,
    summarize,
)
from network.explore.sensitivity import (
    PERTURBATIONS,
    Perturbation,
    sensitivity_frame,
    sensitivity_tasks,
    tornado_frame,
)

__all__ = [
    "ANY", "PERTURBATIONS", "SCHEDULER_ENV", "DaskExecutor", "DemandNoise", "LocalExecutor",
    "Outcome", "Perturbation", "PointResult", "PointTask", "Progress", "RobustnessSummary",
    "SweepRun", "design_outcome", "executor_for", "forcing_frame", "forcing_sentence",
    "forcing_tasks", "frontier_frame", "frontier_tasks", "robustness_frame",
    "robustness_tasks", "run_sweep", "site_count_frame", "site_count_tasks", "site_frequency_frame",
    "sensitivity_frame", "sensitivity_tasks", "summarize", "tornado_frame", "with_promise",
    "with_site_count",
]
