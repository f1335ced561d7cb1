"""Seconds and bytes per epoch of ``skmlp.distributed.fit`` on a local Dask
cluster, against the single-machine fit (and scikit-learn's, where it has
the solver) in the same run.

The cluster is ``LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)`` on 127.0.0.1; the single-machine fits run in this process
with the machine's BLAS threads.  The rows (``--n-samples`` x 20 features,
3 classes from a fixed random teacher) are generated *on the workers*,
chunk by chunk, so no row travels from the client; the in-memory fits get
the same rows generated here.

Per cell every fit is run at two lengths, ``k1`` and ``k2`` epochs (L-BFGS:
iterations; tol=0 so both run to the end), and a per-epoch figure is the
difference divided by ``k2 - k1``: the one-off work (generating, checking
and keeping the chunks; the first weights) drops out and is reported apart
as "setup".  Rounds are interleaved; each length keeps its fastest round.

Bytes are what the client, the scheduler and the workers wrote to their
TCP connections (Dask's own comms, counted in each process): every message,
and no other process's traffic; the measured counterpart of the cost model
in docs/distributed.md.  They are split at the first evaluation of the
objective: "setup MB" places the chunks (generated on one worker, checked
where the scheduler puts the task), "MB/ep" is training.  "vectors/eval"
divides the bytes of one evaluation (one minibatch step for the stochastic
solvers) by the weight vector's 8P bytes (float64): the model counts
``W + 1`` copies of the weights out and two hops (worker, scheduler,
client) per chunk's gradient back, ``W + 1 + 2C`` with W workers and C
chunks.

Usage::

    python benchmarks/bench_distributed.py            # about three minutes
    python benchmarks/bench_distributed.py --quick    # tiny, checks the table
    python benchmarks/bench_distributed.py --out distributed.md
    python benchmarks/bench_distributed.py --accuracy  # and adam's accuracy
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import _common
import numpy as np
from sklearn.exceptions import ConvergenceWarning

import skmlp

N_FEATURES, N_CLASSES = 20, 3

# name -> (solver, hidden sizes, batch size, chunks, (k1, k2) epochs).
CELLS = {
    "lbfgs (32,)": ("lbfgs", (32,), None, 2, (5, 15)),
    "lbfgs (128,)": ("lbfgs", (128,), None, 2, (5, 15)),
    "gd (128,), 2 chunks": ("gd", (128,), None, 2, (5, 15)),
    "gd (128,), 8 chunks": ("gd", (128,), None, 8, (5, 15)),
    "adam (32,), batch 2000": ("adam", (32,), 2000, 2, (1, 3)),
    "adam (32,), batch 20000": ("adam", (32,), 20000, 2, (2, 6)),
}
QUICK_CELLS = {
    "lbfgs (8,)": ("lbfgs", (8,), None, 2, (1, 2)),
    "adam (8,), batch 500": ("adam", (8,), 500, 2, (1, 2)),
}


def make_chunk(index, n_rows):
    """Chunk ``index``'s rows: Gaussian X, labels of a fixed random teacher."""
    teacher = np.random.default_rng(0).standard_normal((N_FEATURES, N_CLASSES))
    rng = np.random.default_rng([1, index])
    X = rng.standard_normal((n_rows, N_FEATURES))
    scores = np.tanh(X @ teacher) + 0.3 * rng.standard_normal((n_rows, N_CLASSES))
    return X, scores.argmax(axis=1)


def chunk_rows(n_samples, n_chunks):
    return [
        (i + 1) * n_samples // n_chunks - i * n_samples // n_chunks
        for i in range(n_chunks)
    ]


def dask_data(n_samples, n_chunks):
    """X and y as Dask arrays whose chunks are made on the workers."""
    import dask
    import dask.array as da

    Xs, ys = [], []
    for i, rows in enumerate(chunk_rows(n_samples, n_chunks)):
        part = dask.delayed(make_chunk, nout=2)(i, rows)
        Xs.append(da.from_delayed(part[0], (rows, N_FEATURES), dtype=np.float64))
        ys.append(da.from_delayed(part[1], (rows,), dtype=np.int64))
    return da.concatenate(Xs), da.concatenate(ys)


def local_data(n_samples, n_chunks):
    """The same rows as :func:`dask_data`, in memory."""
    parts = [make_chunk(i, r) for i, r in enumerate(chunk_rows(n_samples, n_chunks))]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def params(solver, hidden, batch, epochs):
    out = _common.fixed_epochs(hidden, solver, batch or "auto", epochs)
    if solver == "lbfgs":
        out.pop("n_iter_no_change")  # L-BFGS stops on tol only
    return out


def count_writes():
    """Make this process's TCP comms add up the bytes they write (once).

    Run in the client's process (which runs the scheduler too) and on every
    worker, so the total is every message of the fit, and no other process's
    traffic on the machine (as the loopback interface's counters would be).
    """
    from distributed.comm import tcp

    if getattr(tcp.TCP.write, "counting", False):
        return
    original = tcp.TCP.write

    async def write(self, msg, serializers=None, on_error="message"):
        n = await original(self, msg, serializers, on_error)
        tcp.bench_bytes_written = getattr(tcp, "bench_bytes_written", 0) + n
        return n

    write.counting = True
    tcp.TCP.write = write


def bytes_written():
    from distributed.comm import tcp

    return getattr(tcp, "bench_bytes_written", 0)


def cluster_bytes(client):
    """Bytes the client, scheduler and workers have written so far."""
    return bytes_written() + sum(client.run(bytes_written).values())


class Counter:
    """Counts evaluations on the cluster (each full-batch objective and each
    synchronous minibatch step is one ``DaskBatch.run``) and the bytes sent
    from the first one on: the training's, without the placement's."""

    def __init__(self, client):
        from skmlp import _distributed

        self.n, self.start = 0, None
        self._original = _distributed.DaskBatch.run

        def counted(batch, *args, **kwargs):
            if self.n == 0:
                self.start = cluster_bytes(client)
            self.n += 1
            return self._original(batch, *args, **kwargs)

        _distributed.DaskBatch.run = counted

    def close(self):
        from skmlp import _distributed

        _distributed.DaskBatch.run = self._original


def distributed_fit(client, counter, cell, epochs, n_samples):
    """(seconds, bytes sent placing the chunks, bytes sent training,
    evaluations, weights) of one distributed fit."""
    from skmlp import distributed

    solver, hidden, batch, n_chunks, _ = cell
    X, y = dask_data(n_samples, n_chunks)
    est = skmlp.MLPClassifier(**params(solver, hidden, batch, epochs))
    counter.n = 0
    before = cluster_bytes(client)
    start = time.perf_counter()
    distributed.fit(est, X, y, client=client)
    seconds = time.perf_counter() - start
    after = cluster_bytes(client)
    _check_epochs(est, epochs)
    setup, training = counter.start - before, after - counter.start
    return seconds, setup, training, counter.n, est.coefs_


def local_fit(lib, cell, epochs, X, y):
    solver, hidden, batch, _, _ = cell
    est = _common.estimator(lib)(**params(solver, hidden, batch, epochs))
    start = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - start
    _check_epochs(est, epochs)
    return seconds


def _check_epochs(est, epochs):
    if est.n_iter_ != epochs:
        raise RuntimeError(f"ran {est.n_iter_} epochs, not {epochs}")


def per_epoch(first, second, k1, k2):
    """The per-epoch figure and the setup: a line through two lengths."""
    slope = (second - first) / (k2 - k1)
    return slope, first - k1 * slope


def measure(client, counter, cell, n_samples, repeats):
    """Fastest rounds' seconds at both lengths for each way of fitting, the
    distributed fits' bytes and evaluations, and the weight count."""
    solver, _, _, n_chunks, (k1, k2) = cell
    X, y = local_data(n_samples, n_chunks)
    libs = ["skmlp", "sklearn"] if solver in ("lbfgs", "adam") else ["skmlp"]
    times = {key: {k1: math.inf, k2: math.inf} for key in ["dask", *libs]}
    sent = {"setup": math.inf, "training": math.inf}
    evals = {}
    # Warm-up: the workers import skmlp and the cell's functions, once.
    distributed_fit(client, counter, cell, k1, n_samples)
    for _ in range(repeats):
        for k in (k1, k2):
            seconds, setup, training, evals[k], coefs = distributed_fit(
                client, counter, cell, k, n_samples
            )
            times["dask"][k] = min(times["dask"][k], seconds)
            if k == k2:
                # Heartbeats and bookkeeping only ever add bytes.
                sent["setup"] = min(sent["setup"], setup)
                sent["training"] = min(sent["training"], training)
            for lib in libs:
                times[lib][k] = min(times[lib][k], local_fit(lib, cell, k, X, y))
    n_params = sum(W.size + W.shape[1] for W in coefs)
    return times, sent, evals, n_params


def row(name, cell, times, sent, evals, n_params):
    _, _, _, n_chunks, (k1, k2) = cell
    dask_epoch, dask_setup = per_epoch(times["dask"][k1], times["dask"][k2], k1, k2)
    local_epoch, _ = per_epoch(times["skmlp"][k1], times["skmlp"][k2], k1, k2)
    if "sklearn" in times:
        sk_epoch, _ = per_epoch(times["sklearn"][k1], times["sklearn"][k2], k1, k2)
        sk = f"{sk_epoch:.4g}"
    else:
        sk = "-"
    evals_per_epoch = (evals[k2] - evals[k1]) / (k2 - k1)
    per_eval = sent["training"] / evals[k2]
    return [
        name,
        str(n_params),
        str(n_chunks),
        f"{local_epoch:.4g}",
        sk,
        f"{dask_epoch:.4g}",
        f"{dask_epoch / local_epoch:.2f}x",
        f"{dask_setup:.3g}",
        f"{sent['setup'] / 1e6:.3g}",
        f"{evals_per_epoch:.3g}",
        f"{per_eval * evals_per_epoch / 1e6:.3g}",
        f"{per_eval / (8 * n_params):.1f}",
    ]


HEADER = ["cell", "P", "chunks", "memory s/ep", "sklearn s/ep", "dask s/ep"]
HEADER += ["dask/memory", "dask setup s", "setup MB", "evals/ep", "MB/ep"]
HEADER += ["vectors/eval"]


def cluster():
    from distributed import Client, LocalCluster

    local = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    return local, Client(local)


def main(argv=None):
    """Run the benchmark; return the table's rows."""
    p = _common.rounds_parser(__doc__)
    p.add_argument("--n-samples", type=int, default=200_000)
    p.add_argument(
        "--accuracy",
        action="store_true",
        help="also compare adam's test accuracy, distributed and in memory",
    )
    args = p.parse_args(argv)
    cells = CELLS
    if args.quick:
        args.repeats, args.n_samples, cells = 1, 3000, QUICK_CELLS
    info = [*_common.machine_info(), _common.skmlp_line(skmlp.__file__)]
    info.append(
        f"{args.n_samples} rows x {N_FEATURES} features, {N_CLASSES} classes, "
        f"float64; LocalCluster 2 workers x 1 thread (processes) on 127.0.0.1; "
        f"{args.repeats} rounds, fastest"
    )
    print("\n".join(info), flush=True)
    rows, lines = run_on_a_cluster(args, cells)
    title = "skmlp.distributed.fit: seconds and bytes per epoch"
    _common.report(title, info, HEADER, rows, lines, args.out)
    return rows


def run_on_a_cluster(args, cells):
    """The table's rows and summary lines, from a fresh LocalCluster."""
    rows = []
    local, client = cluster()
    if __name__ != "__main__":
        # Imported (by the tests): the workers get these functions by value.
        import cloudpickle

        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    count_writes()
    client.run(count_writes)
    counter = Counter(client)
    try:
        with _common.thread_limits(args.threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            idle = idle_bytes_per_second(client)
            for name, cell in cells.items():
                measured = measure(client, counter, cell, args.n_samples, args.repeats)
                rows.append(row(name, cell, *measured))
                print("  ".join(rows[-1]), flush=True)
            scores = accuracy(client, args.n_samples) if args.accuracy else None
    finally:
        counter.close()
        client.close()
        local.close()
    lines = [
        "per epoch: the difference of fits of k1 and k2 epochs (L-BFGS: "
        "iterations) over k2 - k1; setup: the rest of a fit's time, and the "
        "bytes sent before the first evaluation (placing the chunks)",
        "MB/ep, vectors/eval: the bytes sent from the first evaluation on, of "
        "the longer fit, per epoch and per evaluation over 8P",
        f"idle cluster traffic: {idle:.3g} bytes/s (heartbeats)",
    ]
    if scores is not None:
        lines.append(
            f"adam (32,), 5 epochs, {args.n_samples} training rows in two chunks: "
            f"test accuracy {scores[1]:.4f} distributed, {scores[0]:.4f} in memory"
        )
    return rows, lines


def accuracy(client, n_samples):
    """Test accuracy of ``MLPClassifier((32,), solver="adam", max_iter=5)``
    fit in memory and on the cluster (two chunks), on make_classification
    rows (20 features, 10 informative, 3 classes) with a tenth more to test.
    """
    import dask.array as da
    from sklearn.datasets import make_classification

    from skmlp import distributed

    X, y = make_classification(
        n_samples + n_samples // 10,
        n_features=N_FEATURES,
        n_informative=10,
        n_classes=N_CLASSES,
        random_state=0,
    )
    train, test = slice(None, n_samples), slice(n_samples, None)
    params = dict(hidden_layer_sizes=(32,), solver="adam", max_iter=5, random_state=0)
    memory = skmlp.MLPClassifier(**params).fit(X[train], y[train])
    half = -(-n_samples // 2)
    with warnings.catch_warnings():
        # The training rows are sent from here, in the graph: Dask warns.
        warnings.simplefilter("ignore", UserWarning)
        dask = distributed.fit(
            skmlp.MLPClassifier(**params),
            da.from_array(X[train], chunks=(half, -1)),
            da.from_array(y[train], chunks=half),
            client=client,
        )
    return memory.score(X[test], y[test]), dask.score(X[test], y[test])


def idle_bytes_per_second(client, seconds=2.0):
    """The cluster's own traffic with nothing to do."""
    start = cluster_bytes(client)
    time.sleep(seconds)
    return (cluster_bytes(client) - start) / seconds


if __name__ == "__main__":
    main()
