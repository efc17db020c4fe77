"""scikit-learn's ``MLPClassifier`` and ``MLPRegressor``, trained by fastnn's compiled engine.

A one-line swap::

    from fastnn.sklearn import MLPClassifier   # instead of sklearn.neural_network

The estimators are scikit-learn's own classes with their solvers replaced: parameters,
validation, label handling, ``partial_fit``/``warm_start`` semantics, early stopping's split,
prediction and every attribute are scikit-learn's, so the two agree by construction outside
the solvers; inside them, fastnn runs scikit-learn's algorithm in compiled code:

- ``sgd`` and ``adam``: :func:`fastnn.kernels.estimator._sk_epochs`, many epochs per call,
  with scikit-learn's shuffle stream (its generator's Mersenne Twister continued in compiled
  code and handed back), batches, loss accounting, optimizers, learning-rate schedules and
  stopping rules;
- ``lbfgs``: SciPy's L-BFGS-B, as scikit-learn calls it, on the compiled loss and gradient in
  scikit-learn's packing.

``backend="numpy"`` runs scikit-learn's own solvers (the oracle); ``backend=None`` or
``"numba"`` runs fastnn's. What fastnn does not compile (``momentum=1``, where the spec
requires ``beta < 1``) runs scikit-learn's solver when ``backend=None`` and is a ValueError
naming the setting when ``backend="numba"``.

Sparse input is accepted as scikit-learn accepts it and trained dense (one dense copy per fit).

Needs scikit-learn (``pip install "fastnn[sklearn]"``); importing :mod:`fastnn` does not.
"""

from __future__ import annotations

import warnings

import numpy as np

try:
    import scipy.optimize
    import scipy.sparse
    from sklearn.base import is_classifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as _SkClassifier
    from sklearn.neural_network import MLPRegressor as _SkRegressor
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state
    from sklearn.utils._param_validation import StrOptions
    from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
    from sklearn.utils.optimize import _check_optimize_result
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'fastnn.sklearn needs scikit-learn: pip install "fastnn[sklearn]" (or scikit-learn>=1.9)'
    ) from error

from fastnn._driver import CHUNK_FLOPS
from fastnn.api import _is_dask
from fastnn.kernels import estimator as KE
from fastnn.kernels.batching import mt_key
from fastnn.kernels.training import EpochTrainer, _gradient
from fastnn.spec import TrainingSpec

__all__ = ["MLPClassifier", "MLPRegressor"]

#: scikit-learn's hidden activations to fastnn's.
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: scikit-learn's output activation to fastnn's loss (each a canonical pair: delta = a - y).
OUTPUT_LOSSES = {
    "logistic": "binary_crossentropy",
    "softmax": "categorical_crossentropy",
    "identity": "squared_error",
    "exp": "poisson",
}


def _resolve_dtype(dtype) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be None, 'float32' or 'float64', got {dtype!r}")
    return resolved


def _clip(dtype) -> float:
    """The probability clip of scikit-learn's log-loss: its machine epsilon. The compiled heads
    compute the loss of every clipped prediction as scikit-learn does (within ``eps`` of 0 or
    1, where the clipped loss and the exact one part: it moves the loss curve and its stopping
    decisions); sample weights, when given, are applied as it applies them (``_weigh``)."""
    return float(np.finfo(dtype).eps)


def _dense(X):
    """Sparse input trains dense (the compiled products are dense): one copy per fit."""
    return X.toarray() if scipy.sparse.issparse(X) else X


class _FastnnSolvers:
    """The solvers of scikit-learn's ``BaseMultilayerPerceptron``, compiled; mixed in first."""

    # ---------------------------------------------------------------- plumbing
    def _validate_input(self, X, y, incremental, reset):
        X, y = super()._validate_input(X, y, incremental, reset)
        dtype = _resolve_dtype(self.dtype)
        if dtype is not None:
            X = X.astype(dtype, copy=False)
        return X, y

    def _engine(self, stochastic: bool) -> bool:
        """Whether fastnn's compiled solver runs (else scikit-learn's own)."""
        if self.backend not in (None, "numba", "numpy"):
            raise ValueError(f"backend must be None, 'numba' or 'numpy', got {self.backend!r}")
        if self.backend == "numpy":
            return False
        unsupported = []
        if self.solver == "sgd" and self.momentum >= 1:
            unsupported.append("momentum=1")
        generator = self._random_state.get_state(legacy=False)["bit_generator"]
        if stochastic and self.shuffle and generator != "MT19937":
            # the compiled shuffle continues NumPy's legacy Mersenne Twister only
            unsupported.append(f"a RandomState on {generator}")
        if not unsupported:
            return True
        if self.backend == "numba":
            raise ValueError(
                f"backend='numba' does not support {', '.join(unsupported)} yet; use backend=None "
                "(scikit-learn's solver runs them) or backend='numpy'"
            )
        return False

    def _spec(self, layer_units, optimizer: str, batch_size: int | None, dtype) -> tuple[TrainingSpec, float]:
        """The run's :class:`~fastnn.spec.TrainingSpec`, and the factor of its summed loss that
        gives scikit-learn's (its squared error is a mean over outputs too)."""
        loss = OUTPUT_LOSSES[self.out_activation_]
        spec = TrainingSpec(
            tuple(layer_units),
            ACTIVATIONS[self.activation],
            loss,
            optimizer,
            learning_rate=self.learning_rate_init,
            beta=self.momentum if optimizer in ("sklearn_momentum", "sklearn_nesterov") else 0.9,
            beta1=self.beta_1,
            beta2=self.beta_2,
            epsilon=self.epsilon,
            batch_size=batch_size,
            shuffle_seed=None,
            l2=self.alpha,
            dtype=np.dtype(dtype).name,
        )
        scale = 1.0 / layer_units[-1] if loss == "squared_error" else 1.0
        return spec, scale

    def _parameters(self) -> dict:
        """``coefs_``/``intercepts_`` in the course's notation (``W[l]`` is ``coefs_[l-1].T``)."""
        out = {}
        for l, (coef, intercept) in enumerate(zip(self.coefs_, self.intercepts_, strict=True), start=1):
            out[f"W{l}"], out[f"b{l}"] = coef.T, intercept.reshape(-1, 1)
        return out

    @staticmethod
    def _views(trainer: EpochTrainer, flat: np.ndarray) -> tuple[list, list]:
        """scikit-learn's coefficient and intercept lists as views of a flat trainer buffer."""
        net, dims = trainer.net, trainer.spec.layer_dims
        coefs, intercepts = [], []
        for l in range(1, len(dims)):
            w = net.w_off[l]
            coefs.append(flat[w : w + dims[l] * dims[l - 1]].reshape(dims[l], dims[l - 1]).T)
            intercepts.append(flat[net.b_off[l] : net.b_off[l] + dims[l]])
        return coefs, intercepts

    @classmethod
    def _load(cls, trainer: EpochTrainer, flat: np.ndarray, arrays: list) -> None:
        """Copy scikit-learn's per-parameter arrays (coefs then intercepts) into ``flat``."""
        coefs, intercepts = cls._views(trainer, flat)
        for view, value in zip(coefs + intercepts, arrays, strict=True):
            view[...] = value

    @classmethod
    def _unload(cls, trainer: EpochTrainer, flat: np.ndarray, like: list) -> list:
        """scikit-learn's per-parameter arrays (C-contiguous copies of ``like``'s dtypes) out of ``flat``."""
        coefs, intercepts = cls._views(trainer, flat)
        return [np.array(view, dtype=old.dtype, order="C") for view, old in zip(coefs + intercepts, like, strict=True)]

    # ---------------------------------------------------------------- sgd, adam
    def _fit_stochastic(
        self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads, layer_units, incremental
    ):
        if not self._engine(stochastic=True):
            return super()._fit_stochastic(
                X, y, sample_weight, activations, deltas, coef_grads, intercept_grads, layer_units, incremental
            )
        X = _dense(X)
        params = self.coefs_ + self.intercepts_
        if not incremental or not hasattr(self, "_optimizer"):
            if self.solver == "sgd":
                self._optimizer = SGDOptimizer(
                    params, self.learning_rate_init, self.learning_rate, self.momentum, self.nesterovs_momentum,
                    self.power_t,
                )  # fmt: skip
            else:
                self._optimizer = AdamOptimizer(params, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        sw_train = sw_val = None
        if early_stopping:
            # scikit-learn's split, from the same generator (before any shuffle); multi-label
            # targets are not stratified.
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            split = dict(random_state=self._random_state, test_size=self.validation_fraction, stratify=stratify)
            if sample_weight is None:
                X_train, X_val, y_train, y_val = train_test_split(X, y, **split)
            else:
                X_train, X_val, y_train, y_val, sw_train, sw_val = train_test_split(X, y, sample_weight, **split)
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
                )
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        else:
            X_train, y_train, X_val, y_val, sw_train = X, y, None, None, sample_weight
        n_samples = X_train.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than sample size. It is going to be clipped", stacklevel=3
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        sgd = self.solver == "sgd"
        optimizer = ("sklearn_nesterov" if self.nesterovs_momentum else "sklearn_momentum") if sgd else "sklearn_adam"
        spec, scale = self._spec(layer_units, optimizer, batch_size, X_train.dtype)
        trainer = EpochTrainer(None, y_train.T, self._parameters(), spec, rows=X_train, sample_weight=sw_train)
        hp = trainer.hyper._replace(loss_scale=scale, clip=_clip(X_train.dtype))
        opt = self._optimizer
        if sgd:
            self._load(trainer, trainer.net.V, opt.velocities)
        else:
            self._load(trainer, trainer.net.V, opt.ms)
            self._load(trainer, trainer.net.S, opt.vs)
        sch = KE.Schedule(
            KE.SCHEDULES[self.learning_rate if sgd else "adam"],
            float(self.learning_rate_init),
            float(self.power_t),
            float(self.tol),
            int(self.n_iter_no_change),
            bool(self.shuffle),
            not early_stopping,
        )
        state = self._random_state.get_state()
        key = mt_key(state[1])
        counters = np.zeros(5, np.int64)
        counters[KE.T_BATCHES] = opt.t if not sgd else 0
        counters[KE.T_SAMPLES] = self.t_
        counters[KE.NO_IMPROVEMENT] = self._no_improvement_count
        counters[KE.MT_POS] = state[2]
        reals = np.array([opt.learning_rate if sgd else self.learning_rate_init, np.inf], np.float64)
        if not early_stopping:
            reals[KE.BEST_LOSS] = self.best_loss_
        order = np.arange(n_samples, dtype=np.int64)
        one_at_a_time = early_stopping or bool(self.verbose) or incremental
        chunk = 1 if one_at_a_time else max(1, int(CHUNK_FLOPS // spec.flops(n_samples)))
        # After an early-stopping fit scikit-learn's coefs_ IS _best_coefs (the same list), so a
        # warm-started fit updates both in place until the score improves: if it never does,
        # the "best" weights it restores are the last ones.
        aliased = self.coefs_ is self._best_coefs
        improved = False
        if early_stopping:  # the validation score reads the live parameters
            self.coefs_, self.intercepts_ = self._views(trainer, trainer.net.P)
        Y_train = trainer.Y
        try:
            self.n_iter_ = 0
            while self.n_iter_ < self.max_iter:
                losses = np.empty(min(chunk, self.max_iter - self.n_iter_))
                done = KE._sk_epochs(
                    trainer.net.XT, Y_train, trainer.net, hp, sch, order, key, counters, reals, losses,
                    not early_stopping,
                )  # fmt: skip
                if done:  # Python floats, as scikit-learn's curve holds
                    self.loss_curve_.extend(losses[:done].tolist())
                    self.n_iter_ += done
                    self.loss_ = self.loss_curve_[-1]
                self.t_ = int(counters[KE.T_SAMPLES])
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                if early_stopping:
                    best = self._best_coefs
                    self._update_no_improvement_count(True, X_val, y_val, sw_val)  # scikit-learn's own
                    improved = improved or self._best_coefs is not best
                    counters[KE.NO_IMPROVEMENT] = self._no_improvement_count
                    KE._epoch_end(sch, counters, reals, self.loss_)
                    self._no_improvement_count = int(counters[KE.NO_IMPROVEMENT])
                event = counters[KE.EVENT]
                if event != KE.NOTHING:
                    what = "Validation score" if early_stopping else "Training loss"
                    msg = (
                        f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} "
                        "consecutive epochs."
                    )
                    if self.verbose:
                        if event == KE.REDUCED:
                            print(f"{msg} Setting learning rate to {reals[KE.RATE]:f}")
                        elif sgd and self.learning_rate == "adaptive":
                            print(msg + " Learning rate too small. Stopping.")
                        else:
                            print(msg + " Stopping.")
                    if event == KE.STOPPED:
                        break
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the optimization "
                        "hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=3,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        finally:
            keep_last = aliased and not improved
            self._finish(trainer, opt, sgd, state, key, counters, reals, params, early_stopping, keep_last)

    def _finish(self, trainer, opt, sgd, state, key, counters, reals, params, early_stopping, keep_last) -> None:
        """Hand everything back: parameters, optimizer state, counters, the generator's state
        (``keep_last``: early stopping restores the last weights, as scikit-learn's aliased
        best weights do on a warm start that never improved)."""
        values = self._unload(trainer, trainer.net.P, params)
        n = len(self.coefs_)
        self.coefs_, self.intercepts_ = values[:n], values[n:]
        if sgd:
            opt.velocities = self._unload(trainer, trainer.net.V, params)
            opt.learning_rate = float(reals[KE.RATE])
        else:
            opt.ms = self._unload(trainer, trainer.net.V, params)
            opt.vs = self._unload(trainer, trainer.net.S, params)
            opt.t = int(counters[KE.T_BATCHES])
            if opt.t:
                opt.learning_rate = opt.learning_rate_init * np.sqrt(1 - opt.beta_2**opt.t) / (1 - opt.beta_1**opt.t)
        self.t_ = int(counters[KE.T_SAMPLES])
        if not early_stopping:
            self._no_improvement_count = int(counters[KE.NO_IMPROVEMENT])
            self.best_loss_ = float(reals[KE.BEST_LOSS])
        self._random_state.set_state(
            (state[0], key[: len(state[1])].astype(np.uint32), int(counters[KE.MT_POS]), *state[3:])
        )
        if early_stopping:
            if keep_last:
                self._best_coefs, self._best_intercepts = self.coefs_, self.intercepts_
            self.coefs_, self.intercepts_ = self._best_coefs, self._best_intercepts

    # ---------------------------------------------------------------- Dask
    def fit(self, X, y, sample_weight=None):
        """scikit-learn's ``fit``; Dask arrays train on the cluster (``solver="lbfgs"``)."""
        if _is_dask(X) or _is_dask(y):
            return self._fit_dask(X, y, sample_weight)
        return super().fit(X, y, sample_weight=sample_weight)

    def _fit_dask(self, X, y, sample_weight):
        """``solver="lbfgs"`` on Dask arrays: SciPy's L-BFGS-B on the client, the loss and
        gradient from the cluster (:meth:`fastnn.dask.DaskData.loss_and_gradient`, the
        current client), X never gathered. ``y`` (one label or target row per example) is
        brought to the client, as scikit-learn's label handling needs."""
        self._validate_params()
        if self.solver != "lbfgs":
            raise ValueError(
                f"Dask arrays train with solver='lbfgs' only, got solver={self.solver!r}: the stochastic solvers "
                "would need one scheduler round trip per mini-batch"
            )
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported with Dask arrays")
        if self.backend == "numpy":
            raise ValueError("backend='numpy' runs scikit-learn's own solver, which does not read Dask arrays")
        from fastnn.dask import DaskData

        if not _is_dask(X) or X.ndim != 2:
            raise ValueError("X must be a 2-D Dask array (n_samples, n_features) chunked along the samples")
        y = np.asarray(y.compute() if _is_dask(y) else y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"X and y disagree on the number of samples: {X.shape[0]} and {y.shape[0]}")
        dtype = _resolve_dtype(self.dtype) or (np.dtype(np.float32) if X.dtype == np.float32 else np.dtype(np.float64))
        first = not hasattr(self, "coefs_") or not self.warm_start
        if is_classifier(self):
            if first:
                self._label_binarizer = LabelBinarizer().fit(y)
                self.classes_ = self._label_binarizer.classes_
            Y = self._label_binarizer.transform(y).astype(dtype)
        else:
            Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(dtype)
        hidden = self.hidden_layer_sizes
        hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
        self.n_features_in_ = int(X.shape[1])
        self.n_outputs_ = Y.shape[1]
        layer_units = [self.n_features_in_, *hidden, self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first:
            self._initialize(Y, layer_units, dtype)
        spec, scale = self._spec(layer_units, "gd", None, dtype)
        data = DaskData(X.T, Y.T, dtype=dtype.name).persist(spec, loss_scale=scale, clip=_clip(dtype))
        try:
            self._minimize_lbfgs(data.loss_and_gradient, layer_units, float(X.shape[0]))
        finally:
            data.close()
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain large values and need "
                "to be preprocessed."
            )
        return self

    # ---------------------------------------------------------------- lbfgs
    def _fit_lbfgs(self, X, y, sample_weight, activations, deltas, coef_grads, intercept_grads, layer_units):
        if not self._engine(stochastic=False):
            return super()._fit_lbfgs(
                X, y, sample_weight, activations, deltas, coef_grads, intercept_grads, layer_units
            )
        X = _dense(X)
        # SciPy (1.17) hands the iterate over in x0's dtype, so scikit-learn evaluates float32
        # fits in float32: so does this one.
        spec, scale = self._spec(layer_units, "gd", None, X.dtype)
        trainer = EpochTrainer(X.T, y.T, self._parameters(), spec, sample_weight=sample_weight)  # X copied (aligned)
        hp = trainer.hyper._replace(loss_scale=scale, clip=_clip(X.dtype))
        net, XT, Y = trainer.net, trainer.X, trainer.Y

        def evaluate(P):
            net.P[:] = P
            return _gradient(XT, Y, net.w, net, hp, 0), net.G

        n = float(X.shape[0]) if sample_weight is None else float(np.sum(sample_weight))  # scikit-learn's sw_sum
        self._minimize_lbfgs(evaluate, layer_units, n)

    def _minimize_lbfgs(self, evaluate, layer_units, n: float) -> None:
        """scikit-learn's L-BFGS-B call on ``evaluate(P) -> (cost, G)``: the summed loss (plus
        the L2 term) and raw gradient sums at fastnn's flat parameters ``P``, whether computed
        here or on a cluster; ``n`` the number (or total weight) of examples."""
        # scikit-learn's packing: every coefficient array (fan_in, fan_out) flattened, then
        # every intercept; kept on the estimator as scikit-learn keeps it (its _unpack reads it).
        self._coef_indptr, self._intercept_indptr = [], []
        start = 0
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i] * layer_units[i + 1]
            self._coef_indptr.append((start, end, (layer_units[i], layer_units[i + 1])))
            start = end
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i + 1]
            self._intercept_indptr.append((start, end))
            start = end
        # position in scikit-learn's packing of each entry of fastnn's flat parameters (all
        # weights, (fan_out, fan_in) row by row, layer by layer, then all biases)
        to_sk = np.empty(start, np.int64)
        flat = 0
        for s, _, (fan_in, fan_out) in self._coef_indptr:
            to_sk[flat : flat + fan_in * fan_out] = s + np.arange(fan_in * fan_out).reshape(fan_in, fan_out).T.ravel()
            flat += fan_in * fan_out
        n_w = flat
        for s, e in self._intercept_indptr:
            to_sk[flat : flat + e - s] = np.arange(s, e)
            flat += e - s
        alpha = float(self.alpha)

        def loss_grad(packed):
            P = packed[to_sk]
            cost, G = evaluate(P)
            grad = np.empty_like(packed)
            g = np.array(G, dtype=grad.dtype)
            g[:n_w] += alpha * P[:n_w]
            grad[to_sk] = g / n
            return cost / n, grad

        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        packed = np.concatenate([c.ravel() for c in self.coefs_] + [b.ravel() for b in self.intercepts_])
        result = scipy.optimize.minimize(
            loss_grad,
            packed,
            method="L-BFGS-B",
            jac=True,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
                **_get_additional_lbfgs_options_dict("iprint", iprint),
            },
        )
        self.n_iter_ = _check_optimize_result("lbfgs", result, self.max_iter)
        self.loss_ = result.fun
        self._unpack(result.x)


#: scikit-learn's parameter validation for fastnn's two extra parameters (the dtype, which may
#: be a string or a NumPy type, is checked by :func:`_resolve_dtype` at fit).
_FASTNN_CONSTRAINTS = {"backend": [StrOptions({"numba", "numpy"}), None], "dtype": "no_validation"}

_EXTRA_DOC = """
    backend : {None, "numba", "numpy"}, default=None
        fastnn's compiled solvers (None, "numba") or scikit-learn's own ("numpy").
    dtype : {None, "float32", "float64"}, default=None
        Train in this dtype (None: the input's, as scikit-learn).
"""


class MLPClassifier(_FastnnSolvers, _SkClassifier):
    __doc__ = (_SkClassifier.__doc__ or "") + _EXTRA_DOC
    _parameter_constraints = {**_SkClassifier._parameter_constraints, **_FASTNN_CONSTRAINTS}

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        backend=None,
        dtype=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
        )  # fmt: skip
        self.backend = backend
        self.dtype = dtype


class MLPRegressor(_FastnnSolvers, _SkRegressor):
    __doc__ = (_SkRegressor.__doc__ or "") + _EXTRA_DOC
    _parameter_constraints = {**_SkRegressor._parameter_constraints, **_FASTNN_CONSTRAINTS}

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        backend=None,
        dtype=None,
    ):
        super().__init__(
            loss=loss, hidden_layer_sizes=hidden_layer_sizes, activation=activation, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
            verbose=verbose, warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
        )  # fmt: skip
        self.backend = backend
        self.dtype = dtype
