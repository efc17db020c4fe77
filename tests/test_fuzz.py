"""Fuzzing the public API (``fastnn.train``, ``fastnn.predict``) with hypothesis.

Two separate kinds of case, and no catch-all ``except``:

* CLEAN cases are valid by construction: finite features of modest scale, labels in
  {0, 1}, consistent shapes, a learning rate in (0, 1] divided by the loss's curvature at
  the start so that gradient descent is stable (see :func:`build`), 1 to 15 iterations.
  They must train on BOTH backends (any exception fails the test) and the numba backend
  must match the numpy reference: costs and every parameter, at ``MATMUL_RTOL`` (1e-12 in
  float64, 1e-5 in float32, the training rule of tests/test_parity.py; parameters against
  the scale of :func:`update_scales`), with dtype, shapes and caller arrays checked.
  Predictions likewise, on both backends, equal wherever the logit is not within rounding
  of 0.
  The strategy reaches every path of the engine (tests/test_engine.py explains them):
  layer-1 products above and below the BLAS switch ``SMALL_PRODUCT``, Gram and standard
  modes on both sides of ``choose_mode``'s cost model and of ``m = n_x``, the three loops
  (forcing the Python-driven one with ``LARGE_ITERATION_FLOPS = 0``), multi-threaded BLAS
  (``SMALL_GEMM_FLOPS = 0``), float32, integer input, Fortran order, read-only arrays,
  depths 1 to 4 and every hidden activation. What was reached is read off the engine's
  own ``Trainer`` (recorded while the numba backend trains), not guessed from the sizes.
* INVALID cases are a clean base made invalid in exactly one known way; each must raise
  the documented exception type with a message naming the problem (matched by regex).

``CASES`` counts what ran per category; the last test asserts each category reached its
minimum, so a strategy that filters everything away (or stops reaching a path) fails.
The conftest prints the counts. Hypothesis runs derandomized, without a database, so
CI sees the same cases on every run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastnn
import fastnn.kernels
from fastnn import reference as R
from fastnn.kernels import engine, products
from tests.cases import MATMUL_RTOL

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
INITS = ("lecun", "he", "xavier", "small", "zeros")
BACKENDS = ("numpy", "numba")

#: Trained (and predicted, and rejected) cases per category, printed by tests/conftest.py.
#: Every category starts at 0 so that one never reached shows up, and fails below.
TRAIN_CATEGORIES = (
    "trained",
    "blas",  # standard mode, layer 1's products (n1 n_x m) above SMALL_PRODUCT multiply-adds: BLAS
    "small",  # at or below it: _mm's own loop
    "gram",
    "standard",
    "gram, m<n_x",
    "gram, m>n_x",
    "standard, m<n_x",
    "standard, m>n_x",
    "auto chose gram",
    "auto chose standard",
    "gram where the cost model says gram",
    "gram where the cost model says standard",
    "standard where the cost model says standard",
    "standard where the cost model says gram",
    "python_driven",
    "one_hidden_layer_loop",
    "layers_loop",
    "multithreaded_blas",
    "float32",
    "float64",
    "int64 input",
    "dtype= override",
    "fortran",
    "readonly",
    "initial_parameters",
    "depth1",
    "depth2",
    "depth3",
    "depth4",
    *ACTIVATIONS,
)
CASES: dict[str, int] = dict.fromkeys(TRAIN_CATEGORIES, 0)
CASES.update({"predicted": 0, "predicted float32": 0, "predicted fortran": 0, "predicted readonly": 0})
CASES.update({"predictions within rounding of 0.5 (not compared)": 0})

#: The least each category must reach in one run of this file.
#: The least each category must reach in one run of this file (a run reaches 3 to 10 times
#: these: see the summary line).
MIN_CASES = {name: 10 for name in TRAIN_CATEGORIES}
MIN_CASES.update({"trained": 500, "predicted": 150, "predicted float32": 10, "predicted fortran": 10})
MIN_CASES["predicted readonly"] = 10

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def count(*names: str) -> None:
    for name in names:
        CASES[name] = CASES.get(name, 0) + 1


# --------------------------------------------------------------------------------------
# Clean cases
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Clean:
    """What a clean case is made of (small, so hypothesis prints it on failure); the arrays
    are built from it by :func:`build`, deterministically."""

    n_x: int
    m: int
    hidden: tuple[int, ...]
    activation: str
    init: str
    seed: int
    x_dtype: str  # "float64", "float32" or "int64"
    dtype: str | None  # the dtype= argument
    y_dtype: str
    fortran: bool
    readonly: bool
    scale: float
    learning_rate: float  # before normalisation by the curvature, see build()
    num_iterations: int
    mode: str
    force: str  # "none", "python_driven" or "multithreaded_blas"
    initial: bool  # pass initial_parameters instead of init/seed


@st.composite
def shapes(draw, max_side=300):
    """``(n_x, m)``: tiny (every product a loop); one side at least 40 and the other below it
    (m < n_x and m > n_x, products on both sides of ``SMALL_PRODUCT``); or few examples of
    many features, the cat data's shape, where the cost model picks Gram mode; or both sides
    large, where layer 1's products go to BLAS."""
    side = draw(st.sampled_from(["tiny", "m<n_x", "m>n_x", "m<<n_x", "large"]))
    if side == "tiny":
        return draw(st.integers(1, 8)), draw(st.integers(1, 12))
    if side == "large":
        return draw(st.integers(60, max_side)), draw(st.integers(60, max_side))
    if side == "m<<n_x":
        return draw(st.integers(100, max_side)), draw(st.integers(1, 20))
    big = draw(st.integers(40, max_side))
    small = draw(st.integers(1, big - 1))
    return (big, small) if side == "m<n_x" else (small, big)


@st.composite
def clean_cases(draw):
    n_x, m = draw(shapes())
    depth = draw(st.integers(1, 4))
    return Clean(
        n_x=n_x,
        m=m,
        hidden=tuple(draw(st.lists(st.integers(1, 12), min_size=depth - 1, max_size=depth - 1))),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        init=draw(st.sampled_from(INITS)),
        seed=draw(st.integers(0, 2**32 - 1)),
        x_dtype=draw(st.sampled_from(["float64", "float32", "int64"])),
        dtype=draw(st.sampled_from([None, None, None, "float32", "float64"])),
        y_dtype=draw(st.sampled_from(["float64", "float32", "int64", "bool"])),
        fortran=draw(st.booleans()),
        readonly=draw(st.booleans()),
        scale=draw(st.floats(0.25, 1.5)),
        learning_rate=draw(st.floats(0.01, 1.0)),
        num_iterations=draw(st.integers(1, 15)),
        mode=draw(st.sampled_from(["auto", "auto", "gram", "standard"])),
        force=draw(st.sampled_from(["none"] * 4 + ["python_driven", "multithreaded_blas"])),
        initial=draw(st.booleans()),
    )


def data(n_x: int, m: int, x_dtype: str, scale: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels from a seeded stream: columns of norm about ``scale`` (integer
    features in [-3, 3]), labels from a noisy linear rule."""
    rng = np.random.default_rng(seed)
    if x_dtype == "int64":
        X = rng.integers(-3, 4, (n_x, m))
    else:
        X = (rng.standard_normal((n_x, m)) * (scale / np.sqrt(n_x))).astype(x_dtype)
    w = rng.standard_normal(n_x)
    Y = (w @ X.astype(np.float64) + 0.3 * scale * rng.standard_normal(m) > 0)[None, :]
    return X, Y


def curvature(X, parameters, activation) -> float:
    """The trace of the loss's Gauss-Newton matrix at ``parameters`` (a bound on its largest
    eigenvalue) without the factor ``sigmoid'(z) <= 1/4``: the mean over the examples of
    the squared norm of the logit's gradient with respect to every parameter,
    ``sum_l |delta_l|^2 (|a_{l-1}|^2 + 1)`` with ``delta_L = 1`` and
    ``delta_{l-1} = g'(z_{l-1}) * (W_l^T delta_l)``."""
    _, caches = R.L_model_forward(np.asarray(X, dtype=np.float64), parameters, activation)
    (A_prev, W, _), _ = caches[-1]
    delta = np.ones((1, A_prev.shape[1]))
    total = np.zeros(A_prev.shape[1])
    for l in range(len(caches), 0, -1):
        (A_prev, W, _), _ = caches[l - 1]
        total += np.sum(delta**2, axis=0) * (np.sum(A_prev**2, axis=0) + 1.0)
        if l > 1:
            delta = R.DERIVATIVES[activation](W.T @ delta, caches[l - 2][1])
    return float(np.mean(total))


def build(case: Clean):
    """``X, Y, layer_dims, kwargs`` of a clean case (numpy arrays in the case's layout)."""
    X, Y = data(case.n_x, case.m, case.x_dtype, case.scale, case.seed)
    Y = Y.astype(case.y_dtype)
    dims = [case.n_x, *case.hidden, 1]
    start = R.initialize_parameters(dims, case.init, case.seed)  # what train() draws from init, seed
    # Stable by construction: the step is divided by the curvature bound at the start, so
    # lr * curvature <= 1/4 and gradient descent cannot overshoot into the chaotic regime
    # where rounding differences grow (a [5, 1, 1, 5, 1] tanh net, he init, at lr = 1 turns
    # a 1e-7 change of its start into 2e-4 of its cost within 5 steps: float32 rounding, in
    # the reference alone, then moves it beyond the 1e-5 tolerance). 1,500 random narrow
    # and 1,500 wide cases of this recipe, outside hypothesis, agreed with the reference
    # within a quarter of the tolerance.
    learning_rate = case.learning_rate / max(1.0, curvature(X, start, case.activation))
    kwargs = dict(
        hidden_activation=case.activation,
        learning_rate=learning_rate,
        num_iterations=case.num_iterations,
        dtype=case.dtype,
    )
    if case.initial:
        if case.fortran:
            start = {k: np.asfortranarray(v) for k, v in start.items()}
        kwargs["initial_parameters"] = start
    else:
        kwargs.update(init=case.init, seed=case.seed)
    if case.fortran:
        X = np.asfortranarray(X)
    if case.readonly:
        for a in (X, Y, *kwargs.get("initial_parameters", {}).values()):
            a.flags.writeable = False
    return X, Y, dims, kwargs


@contextlib.contextmanager
def numba_engine(force: str = "none"):
    """While the numba backend trains: record every :class:`~fastnn.kernels.engine.Trainer`
    it builds, and optionally force a path the sizes here do not reach by themselves (the
    Python-driven loop, multi-threaded BLAS) by lowering the engine's thresholds, as
    tests/test_engine.py forces ``python_driven``. Everything is restored on exit
    (hypothesis examples cannot use function-scoped fixtures such as ``monkeypatch``)."""
    built = []

    class Recorded(engine.Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    patches = [(engine, "Trainer", Recorded)]
    if force == "python_driven":
        patches.append((engine, "LARGE_ITERATION_FLOPS", 0))
    elif force == "multithreaded_blas":
        patches.append((engine, "SMALL_GEMM_FLOPS", 0))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    try:
        for obj, name, value in patches:
            setattr(obj, name, value)
        yield built
    finally:
        for obj, name, value in saved:
            setattr(obj, name, value)


def update_scales(X, Y, start, activation, learning_rate, num_iterations) -> dict[str, float]:
    """The size each trained parameter's rounding error is measured against.

    ``atol = rtol * scale`` with ``scale = max |theta|`` (before and after training) as in
    ``assert_matches_reference`` (tests/test_engine.py), widened to the summed size of the
    update terms when those outgrow the parameter. Both backends round every update, a
    sum over the examples (``db = sum_j dZ[:, j] / m``, ``dW = dZ A^T / m``), to within
    ``rtol`` of the sum of the terms' magnitudes, not of the sum: when the terms cancel, a
    bias that starts at 0 ends far smaller than its own rounding error, in ANY two correct
    summation orders. Seen here: a float32 [6, 11, 11, 5, 1] ReLU net, ``init="small"``, 7
    steps: the reference's ``b4`` is -3.1e-8, and the reference itself, fed the same
    examples in another column order (the same mathematical run), ends at -5.9e-8 or
    -6.3e-8; float64 says -5.2e-8. In float64, [39, 3, 7, 8, 1], 12 steps: ``b4`` is 1.4e-7
    and reordering the columns moves it by 7e-12 of itself. ``max |b4|`` alone would call
    either a failure at 1e-5 or 1e-12. So here the reference trajectory is replayed
    in float64 with a running magnitude of every ``dZ``: ``|A_L| + |Y|`` at the output,
    ``g'(Z) * (|W|^T |dZ|)`` below it; each step adds ``lr * max(|dZ| |A_prev|^T) / m`` to
    ``W``'s scale and ``lr * max(sum_j |dZ|) / m`` to ``b``'s. That bounds the error both
    implementations may make without loosening ``rtol``; for parameters that are not
    cancelling sums it is just ``max |theta|``.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    params = {k: np.asarray(v, dtype=np.float64) for k, v in start.items()}
    L = len(params) // 2
    m = X.shape[1]
    scale = {k: float(np.max(np.abs(v))) for k, v in params.items()}
    for _ in range(num_iterations):
        AL, caches = R.L_model_forward(X, params, activation)
        grads = R.L_model_backward(AL, Y, caches, activation)
        dZ = np.abs(AL) + np.abs(Y)
        for l in range(L, 0, -1):
            (A_prev, W, _), _ = caches[l - 1]
            scale[f"W{l}"] += learning_rate * float(np.max(dZ @ np.abs(A_prev).T)) / m
            scale[f"b{l}"] += learning_rate * float(np.max(dZ.sum(axis=1))) / m
            if l > 1:
                dZ = np.abs(R.DERIVATIVES[activation](np.abs(W).T @ dZ, caches[l - 2][1]))
        params = R.update_parameters(params, grads, learning_rate)
    return {k: max(scale[k], float(np.max(np.abs(v)))) for k, v in params.items()}


LOOPS = {"python": "python_driven", "one hidden layer": "one_hidden_layer_loop", "layers": "layers_loop"}


def check_result(result, dims, num_iterations, dtype, backend, activation):
    assert result.backend == backend and result.hidden_activation == activation
    assert result.costs.shape == (num_iterations,) and result.costs.dtype == dtype
    assert np.all(np.isfinite(result.costs)) and np.all(result.costs >= 0)
    assert set(result.parameters) == {f"{p}{l}" for l in range(1, len(dims)) for p in "Wb"}
    for l in range(1, len(dims)):
        W, b = result.parameters[f"W{l}"], result.parameters[f"b{l}"]
        assert W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert W.dtype == dtype and b.dtype == dtype
        assert np.all(np.isfinite(W)) and np.all(np.isfinite(b))


@settings(FUZZ, max_examples=600)
@given(case=clean_cases())
def test_clean_inputs_train_on_both_backends_and_agree(case):
    X, Y, dims, kwargs = build(case)
    before = [(a, a.copy(), a.flags.writeable) for a in (X, Y, *kwargs.get("initial_parameters", {}).values())]
    dtype = np.dtype(case.dtype or (np.float32 if case.x_dtype == "float32" else np.float64))
    n = case.num_iterations

    ref = fastnn.train(X, Y, dims, backend="numpy", **kwargs)  # no exception is acceptable here
    with numba_engine(case.force) as built:
        got = fastnn.train(X, Y, dims, backend="numba", mode=case.mode, **kwargs)
    for result, backend in ((ref, "numpy"), (got, "numba")):
        check_result(result, dims, n, dtype, backend, case.activation)
    for a, copy, writeable in before:  # the caller's arrays: untouched, flags included
        np.testing.assert_array_equal(a, copy, strict=True)
        assert a.flags.writeable == writeable

    # Parity. Costs are sums of positive terms: relative tolerance. Parameters: see update_scales.
    rtol = MATMUL_RTOL[dtype]
    np.testing.assert_allclose(got.costs, ref.costs, rtol=rtol, err_msg="costs")
    start = kwargs.get("initial_parameters") or R.initialize_parameters(dims, case.init, case.seed)
    start = {k: v.astype(dtype) for k, v in start.items()}
    lr = float(dtype.type(kwargs["learning_rate"]))
    scales = update_scales(X, Y, start, case.activation, lr, n)
    for key, value in ref.parameters.items():
        np.testing.assert_allclose(got.parameters[key], value, rtol=rtol, atol=rtol * scales[key], err_msg=key)

    # The path the numba backend took, from its Trainer, and the engine's own contract.
    (trainer,) = built
    n1 = dims[1]
    model = engine.choose_mode(case.n_x, case.m, n1, n)
    assert trainer.mode == (model if case.mode == "auto" else case.mode)
    assert (trainer.loop == "python") == (case.force == "python_driven")
    if case.force == "multithreaded_blas":
        assert not trainer.single_threaded_blas
    count("trained", trainer.mode, f"depth{len(dims) - 1}", case.activation, dtype.name)
    count(f"{trainer.mode} where the cost model says {model}")
    if case.m != case.n_x:
        count(f"{trainer.mode}, {'m<n_x' if case.m < case.n_x else 'm>n_x'}")
    if case.mode == "auto":
        count(f"auto chose {trainer.mode}")
    count(LOOPS[trainer.loop])
    if trainer.loop != "python" and trainer.mode == "standard":  # W1 X and dZ1 X^T, both through _mm
        count("blas" if n1 * case.n_x * case.m > products.SMALL_PRODUCT else "small")
    if not trainer.single_threaded_blas:
        count("multithreaded_blas")
    if case.x_dtype == "int64":
        count("int64 input")
    if case.dtype is not None:
        count("dtype= override")
    for flag, name in ((case.fortran, "fortran"), (case.readonly, "readonly"), (case.initial, "initial_parameters")):
        if flag:
            count(name)


# --------------------------------------------------------------------------------------
# Clean predictions
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Predict:
    n_x: int
    m: int
    hidden: tuple[int, ...]
    activation: str
    init: str
    seed: int
    x_dtype: str
    param_dtype: str
    fortran: bool
    readonly: bool
    scale: float


@st.composite
def predict_cases(draw):
    n_x, m = draw(shapes())
    depth = draw(st.integers(1, 4))
    return Predict(
        n_x=n_x,
        m=m,
        hidden=tuple(draw(st.lists(st.integers(1, 12), min_size=depth - 1, max_size=depth - 1))),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        init=draw(st.sampled_from(INITS)),
        seed=draw(st.integers(0, 2**32 - 1)),
        x_dtype=draw(st.sampled_from(["float64", "float32", "int64"])),
        param_dtype=draw(st.sampled_from(["float64", "float32"])),
        fortran=draw(st.booleans()),
        readonly=draw(st.booleans()),
        scale=draw(st.floats(0.25, 3.0)),
    )


@settings(FUZZ, max_examples=200)
@given(case=predict_cases())
def test_clean_inputs_predict_identically_on_both_backends(case):
    X, _ = data(case.n_x, case.m, case.x_dtype, case.scale, case.seed)
    dims = [case.n_x, *case.hidden, 1]
    params = R.initialize_parameters(dims, case.init, case.seed, case.param_dtype)
    rng = np.random.default_rng(case.seed + 1)
    params = {k: (v + rng.standard_normal(v.shape) * 0.5 if k[0] == "b" else v) for k, v in params.items()}
    params = {k: v.astype(case.param_dtype) for k, v in params.items()}
    if case.fortran:
        X = np.asfortranarray(X)
    if case.readonly:
        X.flags.writeable = False
    before = [(a, a.copy()) for a in (X, *params.values())]
    dtype = np.dtype(np.float32 if case.x_dtype == "float32" else np.float64)  # X decides, not the parameters

    out = {backend: fastnn.predict(params, X, case.activation, backend=backend) for backend in BACKENDS}
    proba = {backend: fastnn.predict_proba(params, X, case.activation, backend=backend) for backend in BACKENDS}
    for a, copy in before:
        np.testing.assert_array_equal(a, copy, strict=True)
    for backend in BACKENDS:
        assert out[backend].shape == (1, case.m) and out[backend].dtype == dtype
        assert set(np.unique(out[backend])) <= {0.0, 1.0}
        assert np.all((proba[backend] >= 0) & (proba[backend] <= 1))
        np.testing.assert_array_equal(out[backend], (proba[backend] > 0.5).astype(dtype))

    # The numba backend's classes equal the reference's, except for an example whose logit is
    # within rounding of 0 (|z| <= rtol * (|W_L| |A_{L-1}| + |b_L|)), where either side of 0.5
    # is a correct rounding; such examples are counted (the summary shows how rare they are).
    rtol = MATMUL_RTOL[dtype]
    typed = {k: v.astype(dtype) for k, v in params.items()}
    _, caches = R.L_model_forward(X.astype(dtype), typed, case.activation)
    (A_prev, W, b), Z = caches[-1]
    z_scale = (np.abs(W.astype(np.float64)) @ np.abs(A_prev.astype(np.float64)) + np.abs(b.astype(np.float64)))[0]
    ambiguous = np.abs(Z[0].astype(np.float64)) <= rtol * z_scale
    ambiguous &= z_scale > 0  # a logit with nothing to round is exact on both sides
    np.testing.assert_array_equal(out["numba"][0, ~ambiguous], out["numpy"][0, ~ambiguous])
    np.testing.assert_allclose(proba["numba"], proba["numpy"], rtol=rtol, atol=rtol * float(np.max(z_scale)))
    CASES["predictions within rounding of 0.5 (not compared)"] += int(ambiguous.sum())
    count("predicted")
    if dtype == np.float32:
        count("predicted float32")
    if case.fortran:
        count("predicted fortran")
    if case.readonly:
        count("predicted readonly")


# --------------------------------------------------------------------------------------
# Invalid inputs: a clean base, made invalid in exactly one way
# --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Base:
    n_x: int
    m: int
    hidden: tuple[int, ...]
    activation: str
    seed: int
    x_dtype: str
    k: int  # picks the position / value / variant of the defect


@st.composite
def bases(draw):
    depth = draw(st.integers(1, 3))
    return Base(
        n_x=draw(st.integers(1, 6)),
        m=draw(st.integers(1, 8)),
        hidden=tuple(draw(st.lists(st.integers(1, 4), min_size=depth - 1, max_size=depth - 1))),
        activation=draw(st.sampled_from(ACTIVATIONS)),
        seed=draw(st.integers(0, 2**32 - 1)),
        x_dtype=draw(st.sampled_from(["float64", "float32"])),
        k=draw(st.integers(0, 2**16)),
    )


@dataclasses.dataclass
class Call:
    """One ``fastnn.train`` call, clean until a defect edits it."""

    X: object
    Y: object
    layer_dims: object
    kwargs: dict
    backends: tuple[str, ...] = BACKENDS


def clean_call(base: Base) -> Call:
    X, Y = data(base.n_x, base.m, base.x_dtype, 1.0, base.seed)
    dims = [base.n_x, *base.hidden, 1]
    kwargs = dict(hidden_activation=base.activation, learning_rate=0.1, num_iterations=2)
    return Call(X, Y.astype(np.float64), dims, kwargs)


def pick(options, k):
    return options[k % len(options)]


def esc(message: str) -> str:
    """A regex matching exactly ``message``."""
    return "^" + re.escape(message) + "$"


def _params_for(call: Call) -> dict:
    return R.initialize_parameters(call.layer_dims, "he", 0)


def _hidden(call: Call) -> list:
    """layer_dims with at least one hidden layer (adds one of size 2 to a logistic regression)."""
    return list(call.layer_dims) if len(call.layer_dims) > 2 else [call.layer_dims[0], 2, 1]


# Each defect edits the call and returns (exception type, regex of its message).
def x_nan(c, k):
    c.X = c.X.copy()
    c.X.flat[k % c.X.size] = np.nan
    return ValueError, esc("X contains NaN")


def x_inf(c, k):
    c.X = c.X.copy()
    c.X.flat[k % c.X.size] = pick([np.inf, -np.inf], k)
    return ValueError, esc("X contains infinity")


def y_nan(c, k):
    c.Y = c.Y.copy()
    c.Y.flat[k % c.Y.size] = np.nan
    return ValueError, esc("Y contains NaN")


def y_inf(c, k):
    c.Y = c.Y.copy()
    c.Y.flat[k % c.Y.size] = pick([np.inf, -np.inf], k)
    return ValueError, esc("Y contains infinity")


def y_label(c, k):
    value = pick([2.0, -1.0, 0.5, 1e-300, 1.0000000000000002, 255.0], k)
    c.Y = c.Y.copy()
    c.Y.flat[k % c.Y.size] = value
    return ValueError, esc(f"Y must hold only 0 and 1 (binary labels); found {value!r}")


def y_columns(c, k):
    m = c.X.shape[1]
    m_y = m + pick([1, 2, -1] if m > 1 else [1, 2], k)
    c.Y = np.ones((1, m_y))
    return ValueError, esc(f"X and Y disagree on the number of examples: X has {m} columns, Y has {m_y}")


def y_shape(c, k):
    m = c.X.shape[1]
    c.Y = pick([np.vstack([c.Y, c.Y]), c.Y.ravel(), c.Y[None]], k)
    return ValueError, esc(f"Y must have shape (1, m) = (1, {m}) to match layer_dims[-1]; got {c.Y.shape}")


def x_ndim(c, k):
    c.X = pick([c.X.ravel(), c.X[None], np.float64(1.0)], k)
    return ValueError, esc(f"X must be 2-D, one example per column; got an array of shape {np.shape(c.X)}")


def x_empty(c, k):
    n_x, m = c.X.shape
    if k % 2:
        c.X = np.empty((0, m), c.X.dtype)
    else:
        c.X, c.Y = np.empty((n_x, 0), c.X.dtype), np.empty((1, 0))
    return ValueError, esc(f"X is empty (shape {c.X.shape}): it needs at least one row and one example")


def x_not_real(c, k):
    new, what = pick([(np.complex128, "complex"), (np.complex64, "complex"), (object, "object"), (str, "string")], k)
    c.X = c.X.astype(new)
    return TypeError, esc(f"X must hold real numbers, got dtype {c.X.dtype} ({what})")


def x_str(c, k):
    c.X = pick(["X", b"X"], k)
    return TypeError, esc(f"X must be a 2-D array of numbers, got {type(c.X).__name__}")


def y_not_real(c, k):
    new, what = pick([(np.complex128, "complex"), (object, "object"), (str, "string")], k)
    c.Y = c.Y.astype(new)
    return TypeError, esc(f"Y must hold real numbers, got dtype {c.Y.dtype} ({what})")


def dims_first(c, k):
    n_x = c.layer_dims[0]
    c.layer_dims = [n_x + pick([1, 2, -1] if n_x > 1 else [1, 2], k), *c.layer_dims[1:]]
    return ValueError, esc(f"layer_dims[0] is {c.layer_dims[0]} but X has n_x = {n_x} rows")


def dims_last(c, k):
    c.layer_dims = [*c.layer_dims[:-1], 2 + k % 5]
    # With loss=None (the default), more than one output unit needs the loss named.
    return ValueError, esc(
        f"layer_dims[-1] is {c.layer_dims[-1]}: say which loss, one of 'binary_crossentropy', "
        "'categorical_crossentropy', 'squared_error', 'poisson' (None means binary cross-entropy of one output unit)"
    )


def dims_size(c, k):
    dims = _hidden(c)
    dims[1 + k % (len(dims) - 2)] = pick([0, -1, -7], k)
    c.layer_dims = dims
    return ValueError, esc(f"every layer size must be at least 1, got {dims}")


def dims_short(c, k):
    c.layer_dims = pick([[c.layer_dims[0]], []], k)
    return ValueError, esc(f"layer_dims needs at least an input and an output size, got {c.layer_dims}")


def dims_not_int(c, k):
    dims = _hidden(c)
    bad = pick([2.0, "2", True, None, 2.5], k)
    dims[1] = bad
    c.layer_dims = dims
    return TypeError, esc(f"layer_dims must hold ints, got {bad!r} in {dims}")


def dims_not_sequence(c, k):
    c.layer_dims = pick([",".join(map(str, c.layer_dims)), c.layer_dims[0], set(c.layer_dims), None], k)
    return TypeError, esc(f"layer_dims must be a sequence of ints such as [n_x, 20, 7, 1], got {c.layer_dims!r}")


def lr_value(c, k):
    lr = pick([0.0, -0.0, -0.1, -1e-300, float("nan"), float("inf"), float("-inf")], k)
    c.kwargs["learning_rate"] = lr
    return ValueError, esc(f"learning_rate must be positive and finite, got {lr!r}")


def lr_type(c, k):
    lr = pick(["0.1", None, 1j, True], k)
    c.kwargs["learning_rate"] = lr
    return TypeError, esc(f"learning_rate must be a real number, got {lr!r}")


def iterations_value(c, k):
    c.kwargs["num_iterations"] = -(1 + k % 100)
    return ValueError, esc(f"num_iterations must be >= 0, got {c.kwargs['num_iterations']}")


def iterations_type(c, k):
    n = pick([2.5, 3.0, "10", True, None], k)
    c.kwargs["num_iterations"] = n
    return TypeError, esc(f"num_iterations must be an int, got {n!r}")


#: The valid hidden activations as error messages list them.
ALL_HIDDEN = "'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'"


def _unknown(name, values, valid):
    def defect(c, k):
        value = pick(values, k)
        c.kwargs[name] = value
        return ValueError, esc(f"unknown {name} {value!r}; valid values are: {valid}")

    defect.__name__ = f"unknown_{name}"
    return defect


def bad_count(name):
    def defect(c, k):
        value = pick([-1, -10, 1.5, "5"], k)
        c.kwargs[name] = value
        return ValueError, esc(f"{name} must be an int >= 0 (0: never), got {value!r}")

    return defect


def gram_on_numpy(c, k):
    c.kwargs["mode"] = "gram"
    c.backends = ("numpy",)
    return ValueError, esc("mode='gram' needs backend='numba'; the numpy backend is the reference (standard mode)")


def gram_overflow(c, k):
    # Finite X whose X.T @ X overflows: every squared column norm is at least big^2 > max.
    big = 1e160 if c.X.dtype == np.float64 else np.float32(1e20)
    c.X = c.X.copy()
    c.X[0] = big * pick([1, -1], k)
    c.kwargs["mode"] = "gram"
    c.backends = ("numba",)
    largest = r"\(largest \|x\| is [0-9.e+]+\)"
    return ValueError, rf"^mode='gram' needs X\.T @ X, which overflows for this X {largest}; use mode='standard'$"


def params_keys(c, k):
    params = _params_for(c)
    L = len(params) // 2
    if k % 2:
        del params[f"b{L}"]
    else:
        params[f"W{L + 1}"] = np.ones((1, 1))
    c.kwargs["initial_parameters"] = params
    return ValueError, esc(f"parameters must have keys W1, b1, ..., WL, bL; got {sorted(params)}")


def params_not_dict(c, k):
    params = _params_for(c)
    c.kwargs["initial_parameters"] = pick([list(params.values()), tuple(params.items())], k)
    name = type(c.kwargs["initial_parameters"]).__name__
    return TypeError, esc(f"parameters must be a dict {{'W1': ..., 'b1': ...}}, got {name}")


def params_w1_columns(c, k):
    params = _params_for(c)
    n1, n_x = params["W1"].shape
    params["W1"] = np.ones((n1, n_x + 1 + k % 3))
    c.kwargs["initial_parameters"] = params
    shape = params["W1"].shape
    return ValueError, esc(f"W1 has shape {shape} but X has n_x = {n_x}: expected ({n1}, {n_x})")


def params_b_shape(c, k):
    params = _params_for(c)
    l = 1 + k % (len(params) // 2)
    W = params[f"W{l}"]
    params[f"b{l}"] = pick([np.zeros(W.shape[0]), np.zeros((1, W.shape[0])), np.zeros((W.shape[0], 2))], k)
    if params[f"b{l}"].shape == (W.shape[0], 1):  # (1, n) with n == 1 is valid: use the third variant
        params[f"b{l}"] = np.zeros((W.shape[0], 2))
    c.kwargs["initial_parameters"] = params
    got = params[f"b{l}"].shape
    return ValueError, esc(f"b{l} must have shape ({W.shape[0]}, 1) to match W{l} {W.shape}, got {got}")


def params_nonfinite(c, k):
    params = _params_for(c)
    key = pick(sorted(params), k)
    value = pick([np.nan, np.inf, -np.inf], k // 7)
    params[key] = params[key].copy()
    params[key].flat[k % params[key].size] = value
    c.kwargs["initial_parameters"] = params
    return ValueError, esc(f"{key} contains {'NaN' if np.isnan(value) else 'infinity'}")


def params_complex(c, k):
    params = _params_for(c)
    key = pick(sorted(params), k)
    params[key] = params[key].astype(complex)
    c.kwargs["initial_parameters"] = params
    return TypeError, esc(f"{key} must hold real numbers, got dtype complex128 (complex)")


def params_layers(c, k):
    dims = list(c.layer_dims)
    given = [*dims[:-1], 1 + k % 3, 1]
    c.kwargs["initial_parameters"] = R.initialize_parameters(given, "he", 0)
    return ValueError, esc(f"initial_parameters have layer sizes {given} but layer_dims is {dims}")


def params_output_rows(c, k):
    params = _params_for(c)
    L = len(params) // 2
    rows = 2 + k % 3
    params[f"W{L}"] = np.ones((rows, params[f"W{L}"].shape[1]))
    params[f"b{L}"] = np.zeros((rows, 1))
    c.kwargs["initial_parameters"] = params
    return ValueError, esc(f"W{L} must have one row (one sigmoid output unit), got shape {params[f'W{L}'].shape}")


def diverges(c, k):
    # Not an input error but an unstable setting, built so that it cannot help diverging: two
    # copies of one example of size 1e200 with opposite labels. The gradient of W2 is then
    # exactly +-A1 / 2 (A1 of size 1e200: some of the 50 units is active), so the first
    # step of size 1e300 overflows W2 to infinity and the next cost is not finite.
    x = np.random.default_rng(k).standard_normal((c.X.shape[0], 1)) * 1e200
    c.X, c.Y, c.layer_dims = np.hstack([x, x]), np.array([[0.0, 1.0]]), [c.X.shape[0], 50, 1]
    c.kwargs.update(hidden_activation=pick(["relu", "leaky_relu"], k), learning_rate=1e300, num_iterations=20)
    c.kwargs.update(init="he", seed=k)
    what = r"(the cost is (nan|inf)|the final parameters are not finite)"
    return FloatingPointError, rf"^training diverged: {what} at iteration \d+ \(learning_rate=1e\+300\); try a smaller"


TRAIN_DEFECTS = {
    f.__name__: f
    for f in [
        x_nan,
        x_inf,
        y_nan,
        y_inf,
        y_label,
        y_columns,
        y_shape,
        x_ndim,
        x_empty,
        x_not_real,
        x_str,
        y_not_real,
        dims_first,
        dims_last,
        dims_size,
        dims_short,
        dims_not_int,
        dims_not_sequence,
        lr_value,
        lr_type,
        iterations_value,
        iterations_type,
        _unknown(
            "hidden_activation", ["softmax", "ReLU", "", None], "'sigmoid', 'tanh', 'relu', 'leaky_relu', 'identity'"
        ),
        _unknown("init", ["glorot", "He", "normal"], "'zeros', 'small', 'lecun', 'he', 'xavier'"),
        _unknown("backend", ["cuda", "torch", "NUMBA"], "'numpy', 'numba'"),
        _unknown("mode", ["fast", "Gram", "sparse"], "'auto', 'gram', 'standard'"),
        _unknown("on_nonfinite", ["ignore", "warn"], "'raise', 'stop'"),
        gram_on_numpy,
        gram_overflow,
        params_keys,
        params_not_dict,
        params_w1_columns,
        params_b_shape,
        params_nonfinite,
        params_complex,
        params_layers,
        params_output_rows,
        diverges,
    ]
}
for _name in ("print_every", "checkpoint_every"):
    TRAIN_DEFECTS[f"bad_{_name}"] = bad_count(_name)


def unknown_dtype(c, k):
    value = pick(["float16", "int32", np.complex64, "f2", "bool"], k)
    c.kwargs["dtype"] = value
    return ValueError, esc(f"unknown dtype {value!r}; valid values are: 'float32', 'float64'")


TRAIN_DEFECTS["unknown_dtype"] = unknown_dtype
CASES.update({f"invalid train: {name}": 0 for name in TRAIN_DEFECTS})
MIN_CASES.update({f"invalid train: {name}": 3 for name in TRAIN_DEFECTS})


def arrays_in(*objects):
    """The numpy arrays among ``objects`` and the values of dicts among them."""
    for obj in objects:
        if isinstance(obj, np.ndarray):
            yield obj
        elif isinstance(obj, dict):
            yield from arrays_in(*obj.values())


@pytest.mark.parametrize("defect", sorted(TRAIN_DEFECTS))
@settings(FUZZ, max_examples=6)
@given(base=bases())
def test_invalid_training_input_raises_a_named_error(defect, base):
    call = clean_call(base)
    fastnn.train(call.X, call.Y, call.layer_dims, backend="numpy", **call.kwargs)  # the base is clean
    error, pattern = TRAIN_DEFECTS[defect](call, base.k)
    snapshot = [(a, a.copy()) for a in arrays_in(call.X, call.Y, call.kwargs)]
    for backend in call.backends:
        kwargs = {"backend": backend, **call.kwargs}
        with pytest.raises(error, match=pattern):
            fastnn.train(call.X, call.Y, call.layer_dims, **kwargs)
    for a, copy in snapshot:
        np.testing.assert_array_equal(a, copy)
    count(f"invalid train: {defect}")


# Predict: a clean (parameters, X) pair made invalid in one way.


@dataclasses.dataclass
class PredictCall:
    params: object
    X: object
    activation: str


def clean_predict_call(base: Base) -> PredictCall:
    X, _ = data(base.n_x, base.m, base.x_dtype, 1.0, base.seed)
    params = R.initialize_parameters([base.n_x, *base.hidden, 1], "he", base.seed)
    return PredictCall(params, X, base.activation)


def p_x_nonfinite(c, k):
    c.X = c.X.copy()
    value = pick([np.nan, np.inf, -np.inf], k)
    c.X.flat[k % c.X.size] = value
    return ValueError, esc(f"X contains {'NaN' if np.isnan(value) else 'infinity'}")


def p_x_ndim(c, k):
    c.X = pick([c.X.ravel(), c.X[None]], k)
    return ValueError, esc(f"X must be 2-D, one example per column; got an array of shape {c.X.shape}")


def p_x_empty(c, k):
    c.X = np.empty((0, c.X.shape[1])) if k % 2 else np.empty((c.X.shape[0], 0))
    return ValueError, esc(f"X is empty (shape {c.X.shape}): it needs at least one row and one example")


def p_x_complex(c, k):
    c.X = c.X.astype(complex)
    return TypeError, esc("X must hold real numbers, got dtype complex128 (complex)")


def p_x_rows(c, k):
    n1, n_x = c.params["W1"].shape
    rows = n_x + pick([1, 3, -1] if n_x > 1 else [1, 3], k)
    c.X = np.ones((rows, c.X.shape[1]))
    return ValueError, esc(f"W1 has shape {(n1, n_x)} but X has n_x = {rows}: expected ({n1}, {rows})")


def p_activation(c, k):
    c.activation = pick(["softmax", "Tanh", ""], k)
    return ValueError, esc(f"unknown hidden_activation {c.activation!r}; valid values are: {ALL_HIDDEN}")


def p_params_nonfinite(c, k):
    key = pick(sorted(c.params), k)
    value = pick([np.nan, np.inf], k // 7)
    c.params[key] = c.params[key].copy()
    c.params[key].flat[k % c.params[key].size] = value
    return ValueError, esc(f"{key} contains {'NaN' if np.isnan(value) else 'infinity'}")


def p_params_keys(c, k):
    del c.params[pick(sorted(c.params), k)]
    return ValueError, esc(f"parameters must have keys W1, b1, ..., WL, bL; got {sorted(c.params)}")


def p_params_not_dict(c, k):
    c.params = list(c.params.values())
    return TypeError, esc("parameters must be a dict {'W1': ..., 'b1': ...}, got list")


def p_overflow(c, k):
    # Columns of 1e308: two hidden ReLU units of +inf, then W2 = [1, -1] gives inf - inf.
    n_x, m = max(2, c.X.shape[0]), c.X.shape[1]
    c.X = np.random.default_rng(k).standard_normal((n_x, m))
    cols = sorted({k % m, (k // 3) % m})
    c.X[:, cols] = 1e308
    c.params = {"W1": np.ones((2, n_x)), "b1": np.zeros((2, 1)), "W2": np.array([[1.0, -1.0]]), "b2": np.zeros((1, 1))}
    c.activation = pick(["relu", "leaky_relu"], k)
    return FloatingPointError, esc(
        f"the forward pass overflowed for {len(cols)} example(s) (first: column {cols[0]}): "
        "X or the parameters are too large (largest |x| is 1e+308)"
    )


PREDICT_DEFECTS = {
    f.__name__: f
    for f in [
        p_x_nonfinite,
        p_x_ndim,
        p_x_empty,
        p_x_complex,
        p_x_rows,
        p_activation,
        p_params_nonfinite,
        p_params_keys,
        p_params_not_dict,
        p_overflow,
    ]
}
CASES.update({f"invalid predict: {name}": 0 for name in PREDICT_DEFECTS})
MIN_CASES.update({f"invalid predict: {name}": 3 for name in PREDICT_DEFECTS})


@pytest.mark.parametrize("defect", sorted(PREDICT_DEFECTS))
@settings(FUZZ, max_examples=6)
@given(base=bases())
def test_invalid_prediction_input_raises_a_named_error(defect, base):
    call = clean_predict_call(base)
    fastnn.predict(call.params, call.X, call.activation, backend="numpy")  # the base is clean
    error, pattern = PREDICT_DEFECTS[defect](call, base.k)
    for backend in BACKENDS:
        for function in (fastnn.predict, fastnn.predict_proba):
            with pytest.raises(error, match=pattern):
                function(call.params, call.X, call.activation, backend=backend)
    count(f"invalid predict: {defect}")


# --------------------------------------------------------------------------------------
# Must stay last: pytest runs a file's tests in order.
# --------------------------------------------------------------------------------------


def test_every_fuzz_category_reached_its_minimum():
    """The strategies above reached every path, dtype, layout, depth, activation and
    defect they are meant to (a strategy that filters everything away, or a path that
    stopped being reached, fails here). Needs the whole file to have run first."""
    short = {name: f"{CASES.get(name, 0)} < {need}" for name, need in MIN_CASES.items() if CASES.get(name, 0) < need}
    assert not short, f"fuzz categories below their minimum (run the whole of tests/test_fuzz.py): {short}"
