"""fastnn.sklearn's estimators against scikit-learn's: fit time per epoch, and a tracked loss."""

from __future__ import annotations

import warnings

import numpy as np

from ._data import LARGE_EXAMPLES


def _data(name):
    from sklearn.datasets import load_digits, make_moons

    if name == "moons":
        return make_moons(300, noise=0.2, random_state=3)
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        return X / 16, y
    rng = np.random.default_rng(0)
    return rng.random((LARGE_EXAMPLES, 784)), rng.integers(0, 10, LARGE_EXAMPLES)


#: name -> (estimator settings, epochs per timed fit)
ESTIMATORS = {
    "moons": (dict(hidden_layer_sizes=(5, 2), batch_size=64), 200),
    "digits": (dict(hidden_layer_sizes=(100,)), 20),
    "synthetic_60000x784": (dict(hidden_layer_sizes=(128, 64), batch_size=200), 1),
}


def _estimator(library, settings, epochs):
    if library == "fastnn":
        from fastnn.sklearn import MLPClassifier
    else:
        from sklearn.neural_network import MLPClassifier
    return MLPClassifier(random_state=0, tol=0.0, max_iter=epochs, n_iter_no_change=epochs, **settings)


class TimeEstimators:
    """Seconds per ``MLPClassifier.fit`` (Adam) of ``ESTIMATORS``' epochs, both libraries."""

    params = (list(ESTIMATORS), ["fastnn", "scikit-learn"])
    param_names = ["workload", "library"]
    timeout = 900
    number = 1
    repeat = (1, 3, 120.0)

    def setup(self, name, library):
        self.X, self.y = _data(name)
        self.settings, self.epochs = ESTIMATORS[name]
        self.library = library
        warnings.simplefilter("ignore")
        _estimator(library, self.settings, 1).fit(self.X[:500], self.y[:500])  # compile outside the timing

    def time_fit(self, name, library):
        _estimator(self.library, self.settings, self.epochs).fit(self.X, self.y)


class TrackEstimators:
    """The final loss of a fixed fastnn fit: a solver change that alters results moves it."""

    def track_moons_adam_loss_after_200_epochs(self):
        warnings.simplefilter("ignore")
        settings, epochs = ESTIMATORS["moons"]
        return float(_estimator("fastnn", settings, epochs).fit(*_data("moons")).loss_)

    track_moons_adam_loss_after_200_epochs.unit = "loss"
