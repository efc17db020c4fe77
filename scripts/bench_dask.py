"""Full-batch training on Dask against the local engine, same data, one run: seconds per iteration.

Workload (issue #14): ``--examples`` (default 10^6) examples of 100 features, ``[100, 64, 1]``,
ReLU, sigmoid output, full-batch gradient descent, float64; X drawn block by block on the
workers (a seeded generator per block, so Dask can recompute a lost block) and the same
array gathered for the local engine.

Rows, each the median over ``--rounds`` interleaved rounds (local, Dask, overhead, ...) of
seconds per iteration, timed after a warm-up iteration:

* local engine: ``fastnn.train``'s trainer on NumPy arrays (the compiled engine, all the
  machine's cores to BLAS);
* Dask: :class:`fastnn.dask.DaskTrainer` on a ``LocalCluster`` of ``--workers`` worker
  processes with one thread and one BLAS thread each, ``--partitions`` partitions;
* partition kernel: one partition's gradient sums timed on its worker (the work an
  iteration cannot avoid, per worker);
* scheduler overhead: the same map-reduce (the parameters, one task per partition, the tree, the
  result back) on partitions of 8 examples: what an iteration costs beyond the kernels;
* bytes moved per iteration, counted: the parameters to the scheduler and each worker, each partition's
  gradient sums up the tree, the total to the client.

The Dask run is first checked against the local one (costs of 3 iterations within 1e-12
relative). Memory: about 4 GB at 10^6 examples (X on the client and on the workers, and the
activations of both engines).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=. .venv/bin/python scripts/bench_dask.py
    ... scripts/bench_dask.py --examples 100000 --rounds 3    # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

N_X, DIMS = 100, [100, 64, 1]


def block(seed: int, shape: tuple[int, int]) -> np.ndarray:
    """The examples of one block: the same whichever worker draws them, and when it draws them again."""
    return np.random.default_rng(seed).standard_normal(shape)


def labels(X: np.ndarray) -> np.ndarray:
    return (X[:1] + 0.5 * X[1:2] - 0.25 * X[2:3] > 0).astype(np.float64)


def dask_data(m: int, partitions: int):
    import dask.array as da
    from dask import delayed

    sizes = [m // partitions + (j < m % partitions) for j in range(partitions)]
    blocks = [da.from_delayed(delayed(block)(j, (N_X, s)), (N_X, s), np.float64) for j, s in enumerate(sizes)]
    X = da.concatenate(blocks, axis=1)
    return X, X.map_blocks(labels, chunks=((1,), X.chunks[1]))


def timed_partition(part, P, plan, repeats: int = 3) -> float:
    """Median seconds of one partition's gradient sums, on the worker that holds it."""
    from fastnn.dask._worker import partition_gradient

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        partition_gradient(part, P, plan)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from fastnn import _driver
    from fastnn.dask import DaskData, DaskTrainer
    from fastnn.reference.initializers import initialize_parameters
    from fastnn.spec import TrainingSpec

    m = args.examples
    spec = TrainingSpec(tuple(DIMS), "relu", learning_rate=0.1)
    params = initialize_parameters(DIMS, "he", 1, np.float64)
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        dX, dY = dask_data(m, args.partitions)
        data = DaskData(dX, dY, client=client).persist(spec, blas_threads=1)
        tiny = DaskData(*dask_data(8 * args.partitions, args.partitions), client=client).persist(spec)
        X, Y = np.ascontiguousarray(dX.compute()), np.ascontiguousarray(dY.compute())

        local = _driver.make_trainer(X, Y, params, spec, "numba", "auto", 100)
        dask = DaskTrainer(data, params, spec)
        np.testing.assert_allclose(dask.run(3), local.run(3), rtol=1e-12)  # also the warm-up
        overhead = DaskTrainer(tiny, params, spec)
        overhead.run(1)

        rows = {"local engine": [], "Dask": [], "scheduler overhead": []}
        for _ in range(args.rounds):
            for name, trainer in (("local engine", local), ("Dask", dask), ("scheduler overhead", overhead)):
                t0 = time.perf_counter()
                trainer.run(1)
                rows[name].append(time.perf_counter() - t0)
        P = dask.local.net.P
        kernel = [client.submit(timed_partition, part, P, data._plan, pure=False) for part in data._parts]
        kernel_times = client.gather(kernel)

        n_p = P.size
        # P to the scheduler in the graph, to one worker, from it to each other worker; each
        # partition's G up the tree and out
        bytes_moved = 8 * n_p * (args.workers + 1 + args.partitions)
        holders = client.who_has(data._parts)
        per_worker = {}
        for part in data._parts:
            for address in holders[part.key]:
                per_worker[address] = per_worker.get(address, 0) + 1
        data.close()
        tiny.close()

    medians = {name: statistics.median(times) for name, times in rows.items()}
    print(f"{m:,} examples, {DIMS}, {args.workers} worker processes x 1 thread, {args.partitions} partitions "
          f"(per worker: {sorted(per_worker.values())}), {args.rounds} rounds")  # fmt: skip
    print("| | seconds per iteration | vs local |")
    print("|---|---:|---:|")
    for name, value in medians.items():
        print(f"| {name} | {value:.4g} | {value / medians['local engine']:.2f}x |")
    print(f"| partition kernel (slowest partition, on its worker) | {max(kernel_times):.4g} | "
          f"{max(kernel_times) / medians['local engine']:.2f}x |")  # fmt: skip
    print(f"bytes moved per iteration: {bytes_moved:,} ({n_p:,} parameters of 8 bytes, "
          f"{args.workers + 1} copies out, {args.partitions} sums back)")  # fmt: skip


if __name__ == "__main__":
    main()
