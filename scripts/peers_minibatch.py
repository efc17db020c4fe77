"""Mini-batch Adam on fastnn and its peers: time per epoch (a section of ``compare_peers.py``).

The same work everywhere: a ReLU network trained by Adam on mini-batches, every example once an
epoch, a new order each epoch. Workloads: make_moons 300 (``[2, 5, 2, 1]``, sigmoid output,
batch 64; per-batch overhead is everything) and 60,000 x 784 uniform random features with 10
random classes (``[784, 128, 64, 10]``, softmax, batch 200; the products dominate).

Implementations: ``fastnn.train`` (the course's Adam, f64 and f32); ``fastnn.sklearn`` and
scikit-learn's ``MLPClassifier`` (scikit-learn's Adam, f64); PyTorch (``nn.Sequential``,
``torch.optim.Adam``, a Python loop over ``randperm`` batches; f64 and f32); JAX (a ``jit``
step per batch in a Python loop, and, where every batch has the same size, one ``jit`` epoch
of ``lax.scan`` over the batches; f64). Their Adam forms differ in where epsilon goes, not in
the work done. Runs are interleaved, medians over rounds.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
import warnings

import numpy as np


def data(name: str):
    if name == "moons":
        from fastnn.datasets import load_moons

        X, Y = load_moons()
        return X, Y, [2, 5, 2, 1], 64
    rng = np.random.default_rng(0)
    X = rng.random((784, 60_000))
    return X, rng.integers(0, 10, (1, 60_000)).astype(float), [784, 128, 64, 10], 200


def onehot(Y, K):
    return Y if K == 1 else np.eye(K)[:, Y[0].astype(int)]


def fastnn_train(X, Y, dims, B, n, dtype):
    import fastnn

    Xd = X.astype(dtype)
    kw = dict(loss="binary_crossentropy" if dims[-1] == 1 else "categorical_crossentropy", optimizer="adam",
              learning_rate=0.001, batch_size=B, init="he")  # fmt: skip
    fastnn.train(Xd[:, :1000], Y[:, :1000], dims, num_iterations=1, **kw)
    return lambda: fastnn.train(Xd, Y, dims, num_iterations=n, **kw)


def _estimator(module, X, Y, dims, B, n):
    from sklearn.exceptions import ConvergenceWarning

    MLPClassifier = importlib.import_module(module).MLPClassifier
    Xs, ys = np.ascontiguousarray(X.T), Y[0]

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            MLPClassifier(tuple(dims[1:-1]), batch_size=B, max_iter=n, tol=0.0, n_iter_no_change=n,
                          random_state=0).fit(Xs, ys)  # fmt: skip

    return run


def fastnn_sklearn(X, Y, dims, B, n, dtype):
    run = _estimator("fastnn.sklearn", X, Y, dims, B, 1)
    run()  # compile outside the timing
    return _estimator("fastnn.sklearn", X, Y, dims, B, n)


def scikit_learn(X, Y, dims, B, n, dtype):
    return _estimator("sklearn.neural_network", X, Y, dims, B, n)


def pytorch(X, Y, dims, B, n, dtype):
    import torch

    tdtype = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
    layers = []
    for l in range(1, len(dims)):
        layers.append(torch.nn.Linear(dims[l - 1], dims[l], dtype=tdtype))
        if l < len(dims) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    Xt = torch.from_numpy(np.ascontiguousarray(X.T.astype(dtype)))
    if dims[-1] == 1:
        Yt, loss_fn = torch.from_numpy(np.ascontiguousarray(Y.T.astype(dtype))), torch.nn.BCEWithLogitsLoss()
    else:
        Yt, loss_fn = torch.from_numpy(Y[0].astype(np.int64)), torch.nn.CrossEntropyLoss()
    m = Xt.shape[0]

    def run():
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        for _ in range(n):
            order = torch.randperm(m)
            for start in range(0, m, B):
                idx = order[start : start + B]
                opt.zero_grad()
                loss_fn(model(Xt[idx]), Yt[idx]).backward()
                opt.step()

    return run


def _jax_setup(X, Y, dims, dtype):
    import jax

    jax.config.update("jax_enable_x64", dtype == np.float64)
    import jax.numpy as jnp

    rng = np.random.default_rng(1)
    params = []
    for l in range(1, len(dims)):
        W = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        params.append((jnp.asarray(W.astype(dtype)), jnp.zeros((dims[l], 1), dtype)))
    K = dims[-1]
    Xj, Yj = jnp.asarray(X.astype(dtype)), jnp.asarray(onehot(Y, K).astype(dtype))

    def loss(p, Xb, Yb):
        A = Xb
        for l, (W, b) in enumerate(p):
            Z = W @ A + b
            A = jax.nn.relu(Z) if l < len(p) - 1 else Z
        if K == 1:
            return jnp.mean(jnp.maximum(A, 0) - A * Yb + jnp.log1p(jnp.exp(-jnp.abs(A))))
        return -jnp.mean(jnp.sum(Yb * jax.nn.log_softmax(A, axis=0), axis=0))

    def step(state, batch):
        p, m1, m2, t = state
        g = jax.grad(loss)(p, *batch)
        t = t + 1
        m1 = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m1, g)
        m2 = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b * b, m2, g)
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        p = jax.tree_util.tree_map(lambda w, a, b: w - 0.001 * (a / c1) / (jnp.sqrt(b / c2) + 1e-8), p, m1, m2)
        return (p, m1, m2, t), None

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return jax, jnp, (params, zeros, zeros, jnp.asarray(0, dtype)), step, Xj, Yj


def jax_step(X, Y, dims, B, n, dtype):
    jax, jnp, state0, step, Xj, Yj = _jax_setup(X, Y, dims, dtype)
    m = X.shape[1]
    jstep = jax.jit(lambda s, Xb, Yb: step(s, (Xb, Yb))[0])
    rng = np.random.default_rng(0)
    sizes = {min(B, m - s) for s in range(0, m, B)}
    for size in sizes:  # compile each batch shape outside the timing
        jax.block_until_ready(jstep(state0, Xj[:, :size], Yj[:, :size]))

    def run():
        state = state0
        for _ in range(n):
            order = rng.permutation(m)
            for start in range(0, m, B):
                idx = order[start : start + B]
                state = jstep(state, Xj[:, idx], Yj[:, idx])
        jax.block_until_ready(state)

    return run


def jax_scan(X, Y, dims, B, n, dtype):
    m = X.shape[1]
    if m % B:
        raise ValueError(f"lax.scan needs equal batches; {m} examples are not a multiple of {B}")
    jax, jnp, state0, step, Xj, Yj = _jax_setup(X, Y, dims, dtype)

    @jax.jit
    def epoch(state, key):
        order = jax.random.permutation(key, m)
        Xb = Xj[:, order].reshape(Xj.shape[0], m // B, B).transpose(1, 0, 2)
        Yb = Yj[:, order].reshape(Yj.shape[0], m // B, B).transpose(1, 0, 2)
        return jax.lax.scan(step, state, (Xb, Yb))[0]

    keys = jax.random.split(jax.random.PRNGKey(0), n)
    jax.block_until_ready(epoch(state0, keys[0]))

    def run():
        state = state0
        for key in keys:
            state = epoch(state, key)
        jax.block_until_ready(state)

    return run


#: name -> (maker, dtype, module needed)
IMPLEMENTATIONS = {
    "fastnn.train f64": (fastnn_train, np.float64, None),
    "fastnn.train f32": (fastnn_train, np.float32, None),
    "fastnn.sklearn f64": (fastnn_sklearn, np.float64, "sklearn"),
    "scikit-learn f64": (scikit_learn, np.float64, "sklearn"),
    "PyTorch f64": (pytorch, np.float64, "torch"),
    "PyTorch f32": (pytorch, np.float32, "torch"),
    "JAX jit step f64": (jax_step, np.float64, "jax"),
    "JAX lax.scan epoch f64": (jax_scan, np.float64, "jax"),
}

#: workload -> epochs timed per call for fastnn's compiled rows, and for the Python-driven peers
EPOCHS = {"moons": (500, 10), "softmax 60,000 x 784": (2, 1)}


def minibatch_rows(quick: bool, rounds: int, notes: list) -> list[str]:
    """Markdown rows ``| workload | implementation | per epoch | relative |``."""
    rows = []
    for workload in ("moons",) if quick else tuple(EPOCHS):
        X, Y, dims, B = data("moons" if workload == "moons" else "softmax")
        fast_n, slow_n = EPOCHS[workload]
        runs = {}
        for name, (make, dtype, module) in IMPLEMENTATIONS.items():
            if module and importlib.util.find_spec(module) is None:
                continue
            n = fast_n if name.startswith("fastnn") or "scan" in name else slow_n
            try:
                runs[name] = (make(X, Y, dims, B, n, dtype), n)
            except Exception as exc:  # a peer that cannot run this workload is reported, not fatal
                notes.append(f"{name} on {workload}: skipped ({type(exc).__name__}: {exc})")
        times = {name: [] for name in runs}
        for _ in range(rounds):
            for name, (run, n) in runs.items():
                t0 = time.perf_counter()
                run()
                times[name].append((time.perf_counter() - t0) / n)
        med = {name: statistics.median(t) for name, t in times.items()}
        base = med["fastnn.train f64"]
        label = f"{workload}, {dims}, Adam, batch {B}"
        for name, t in med.items():
            shown = f"{t * 1e6:,.1f} µs" if t < 1e-2 else f"{t:,.3f} s"
            rows.append(f"| {label} | {name} | {shown} | {t / base:.2f}x |")
        print(f"{label}: " + ", ".join(f"{k} {v * 1e6:.1f} µs" for k, v in med.items()), flush=True)
    return rows
