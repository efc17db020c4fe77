"""The same training on fastnn and its peers, side by side: a markdown table and a bar chart.

fastnn's rows time what users call (``workloads.py``: the course's drop-in for the course's
models, ``fastnn.train`` otherwise, the whole call), with the engine alone beside them,
labelled as such. Peers: fastnn's NumPy reference; PyTorch CPU (``nn.Linear`` layers, ``BCEWithLogitsLoss``,
``SGD``; float64 and float32); JAX (a ``jit`` step in a Python loop, and ``jit`` around
``lax.fori_loop``); scikit-learn ``MLPClassifier(solver="sgd", batch_size=m, momentum=0,
alpha=0)``, the same full-batch gradient descent. A peer that is not installed is skipped
with a note. Every implementation starts from the same weights and runs the same number of
iterations; runs are interleaved (A B C A B C ...), several rounds, and the table gives the
median seconds per iteration and each one's time relative to fastnn's in the same run.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python scripts/compare_peers.py
    .venv/bin/python scripts/compare_peers.py --quick        # a small subset, under a minute

PyTorch from the package index is a multi-gigabyte CUDA build by default; the CPU build
used here is ``pip install torch==2.13.0`` (the ``torch`` extra). JAX: ``pip install jax jaxlib``.
A second table times mini-batch Adam per epoch on the same peers (``peers_minibatch.py``: the
moons and softmax-at-scale workloads, with ``fastnn.sklearn`` and scikit-learn beside them).
Writes ``docs/peers.md`` and ``docs/peers.png`` (``--out`` to change the folder).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import machine  # noqa: E402
from peers_minibatch import minibatch_rows  # noqa: E402
from workloads import workloads  # noqa: E402

from fastnn import reference as R  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def fastnn_public(w, n, dtype):
    """What users call (the course's drop-in, or ``fastnn.train``), on data of ``dtype``."""
    _, make = w.public[0]
    run = make(w.X.astype(dtype), w.Y.astype(dtype), n)
    run()  # compile outside the timing
    return run


def fastnn_engine(w, n, dtype):
    """The engine alone on the same run (labelled as such in the table)."""
    run = w.engine(w.X.astype(dtype), w.Y.astype(dtype), n)
    run()
    return run


def fastnn_reference(X, Y, params, act, lr, n, dtype):
    return lambda: R.gradient_descent(X, Y, params, act, lr, n)


def torch_impl(X, Y, params, act, lr, n, dtype):
    import torch

    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    L = len(params) // 2
    layers = []
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(params[f"b{l}"][:, 0]))
        layers.append(lin)
        if l < L:
            layers.append({"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}[act]())
    model = torch.nn.Sequential(*layers)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T.astype(dtype)))
    Yt = torch.from_numpy(np.ascontiguousarray(Y.T.astype(dtype)))
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def run():
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(n):
            opt.zero_grad()
            loss = loss_fn(model(Xt), Yt)
            loss.backward()
            opt.step()

    return run


def _jax_setup(X, Y, params, act, lr, dtype):
    import jax

    if dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    g = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}[act]
    L = len(params) // 2
    p = {k: jnp.asarray(v.astype(dtype)) for k, v in params.items()}
    Xj, Yj = jnp.asarray(X.astype(dtype)), jnp.asarray(Y.astype(dtype))

    def cost(p):
        A = Xj
        for l in range(1, L + 1):
            Z = p[f"W{l}"] @ A + p[f"b{l}"]
            A = g(Z) if l < L else Z
        return jnp.mean(jnp.maximum(A, 0) - A * Yj + jnp.log1p(jnp.exp(-jnp.abs(A))))

    def step(p):
        grads = jax.grad(cost)(p)
        return jax.tree_util.tree_map(lambda w, d: w - lr * d, p, grads)

    return jax, p, step


def jax_step(X, Y, params, act, lr, n, dtype):
    jax, p0, step = _jax_setup(X, Y, params, act, lr, dtype)
    step = jax.jit(step)
    jax.block_until_ready(step(p0))

    def run():
        p = p0
        for _ in range(n):
            p = step(p)
        jax.block_until_ready(p)

    return run


def jax_fori(X, Y, params, act, lr, n, dtype):
    jax, p0, step = _jax_setup(X, Y, params, act, lr, dtype)
    loop = jax.jit(lambda p: jax.lax.fori_loop(0, n, lambda i, q: step(q), p))
    jax.block_until_ready(loop(p0))
    return lambda: jax.block_until_ready(loop(p0))


def sklearn_impl(X, Y, params, act, lr, n, dtype):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    L = len(params) // 2
    dims = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    Xs, ys = X.T.astype(dtype), Y.ravel().astype(dtype)
    activation = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}[act]

    def run():
        clf = MLPClassifier(
            hidden_layer_sizes=tuple(dims[1:-1]) or (1,),
            activation=activation,
            solver="sgd",
            batch_size=Xs.shape[0],
            learning_rate_init=lr,
            momentum=0.0,
            alpha=0.0,
            shuffle=False,
            max_iter=n,
            tol=0.0,
            n_iter_no_change=n + 1,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(Xs, ys)

    return run


#: fastnn's rows take the workload; the peers its arrays. "fastnn" is the public entry point.
FASTNN = ("fastnn f64", "fastnn f32", "fastnn engine alone f64")
IMPLEMENTATIONS = {
    "fastnn f64": (fastnn_public, np.float64, None),
    "fastnn f32": (fastnn_public, np.float32, None),
    "fastnn engine alone f64": (fastnn_engine, np.float64, None),
    "reference f64": (fastnn_reference, np.float64, None),
    "PyTorch f64": (torch_impl, np.float64, "torch"),
    "PyTorch f32": (torch_impl, np.float32, "torch"),
    "JAX jit step f64": (jax_step, np.float64, "jax"),
    "JAX fori_loop f64": (jax_fori, np.float64, "jax"),
    "JAX fori_loop f32": (jax_fori, np.float32, "jax"),
    "scikit-learn f64": (sklearn_impl, np.float64, "sklearn"),
}


def versions() -> str:
    out = []
    for mod in ("numpy", "numba", "torch", "jax", "sklearn"):
        if importlib.util.find_spec(mod):
            out.append(f"{mod} {__import__(mod).__version__}")
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset, under a minute")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 3)
    notes, rows, chart = [], [], {}
    available = {}
    for name, (_, _, module) in IMPLEMENTATIONS.items():
        available[name] = module is None or importlib.util.find_spec(module) is not None
        if not available[name]:
            notes.append(f"{name}: skipped, `{module}` is not installed")
    for w in workloads(args.quick):
        if "float32" in w.name:  # every implementation here runs both dtypes of the float64 workload
            continue
        wname, X, Y, act, lr, n = w.name, w.X, w.Y, w.activation, w.lr, w.iterations
        params = w.parameters()
        runs = {}
        for name, (make, dtype, _) in IMPLEMENTATIONS.items():
            if not available[name]:
                continue
            if name.startswith("reference") or name.startswith("scikit"):
                n_here = max(1, min(n, 50 if "cat" in wname else n // 10 if n > 10 else n))
            elif name.startswith("JAX jit step") or name.startswith("PyTorch"):
                n_here = max(1, min(n, 200))
            else:
                n_here = n
            try:
                if name in FASTNN:
                    runs[name] = (make(w, n_here, dtype), n_here)
                else:
                    runs[name] = (make(X, Y, params, act, lr, n_here, dtype), n_here)
            except Exception as exc:  # a peer that fails to set up is reported, not fatal
                notes.append(f"{name} on {wname}: skipped ({type(exc).__name__}: {exc})")
        times = {name: [] for name in runs}
        for _ in range(rounds):
            for name, (run, n_here) in runs.items():
                t0 = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - t0) / n_here)
        med = {name: statistics.median(t) for name, t in times.items()}
        base = med["fastnn f64"]
        for name, t in med.items():
            rows.append(f"| {wname} | {name} | {t * 1e6:,.1f} µs | {t / base:.2f}x |")
        chart[wname] = med
        print(f"{wname}: " + ", ".join(f"{k} {v * 1e6:.1f} µs" for k, v in med.items()), flush=True)
    table = [
        f"Machine: {machine()}; {platform.platform()}",
        f"Libraries: {versions()}",
        "",
        "| workload | implementation | time per iteration | relative to fastnn f64 |",
        "|---|---|---:|---:|",
        *rows,
        "",
        "Mini-batch Adam (scripts/peers_minibatch.py):",
        "",
        "| workload | implementation | time per epoch | relative to fastnn.train f64 |",
        "|---|---|---:|---:|",
        *minibatch_rows(args.quick, rounds, notes),
    ]
    if notes:
        table += ["", *[f"- {n}" for n in notes]]
    text = "\n".join(table) + "\n"
    print("\n" + text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "peers.md").write_text(text)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart written")
        return
    names = [n for n in IMPLEMENTATIONS if any(n in med for med in chart.values())]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ys = [chart[w].get(name, np.nan) * 1e6 for w in chart]
        ax.bar(np.arange(len(chart)) + i * width, ys, width, label=name)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(chart)) + 0.4 - width / 2)
    ax.set_xticklabels(list(chart))
    ax.set_ylabel("µs per iteration (log scale)")
    ax.set_title("Full-batch gradient descent, time per iteration (lower is better)")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    fig.savefig(out / "peers.png", dpi=110)
    print(f"wrote {out / 'peers.md'} and {out / 'peers.png'}")


if __name__ == "__main__":
    main()
