"""A product of two 261,381-term vectors (`full.objective @ values` in incumbent.offer, on
sites_150) timed inside the explorer's two local worker processes, wall and CPU per product.

    cd <checkout> && PYTHONPATH=. .venv/bin/python <this branch>/scripts/bench_worker_blas.py

The checkout whose package is first on the path gives the workers (executor.LocalExecutor);
each worker prints the OPENBLAS_NUM_THREADS it started with. On a loaded 2-core machine
OpenBLAS's threads (one per core) wait for a core, and their spinning shows as CPU seconds
(BENCHMARKS.md, branch warm5).
"""

from __future__ import annotations

import os
import time

import numpy as np

from network.explore.executor import LocalExecutor

TERMS = 261_381
REPS = 300


def product_times() -> tuple[str | None, float, float, float, float]:
    """(OPENBLAS_NUM_THREADS, median, 90th percentile and mean wall ms, mean CPU ms) of REPS
    products, run in a worker."""
    rng = np.random.default_rng(0)
    a, b = rng.random(TERMS), rng.random(TERMS)
    walls, cpus = [], []
    for _ in range(REPS):
        wall, cpu = time.perf_counter(), time.process_time()
        a @ b
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return (os.getenv("OPENBLAS_NUM_THREADS"), float(np.median(walls)) * 1e3,
            float(np.percentile(walls, 90)) * 1e3, float(np.mean(walls)) * 1e3,
            float(np.mean(cpus)) * 1e3)


def main() -> None:
    with LocalExecutor(2) as executor:
        for _ in range(3):
            for future in [executor.submit(product_times, slot=s) for s in (0, 1)]:
                env, median, p90, mean, cpu = future.result()
                print(f"OPENBLAS_NUM_THREADS={env}: wall median {median:.3f} ms, p90 "
                      f"{p90:.3f} ms, mean {mean:.3f} ms; CPU {cpu:.3f} ms a product; load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
