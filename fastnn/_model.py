"""A saved model as the command line uses it: the parameters, and what their metadata says
about the inputs (feature names, standardisation, dtype) and the outputs (loss, class labels)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from fastnn import io
from fastnn._typing import FloatArray, Parameters


@dataclass(frozen=True)
class Standardizer:
    """Feature scaling ``(X - mean) / scale`` with the training split's mean and deviation
    (a constant feature keeps scale 1)."""

    mean: np.ndarray  # (n_x, 1)
    scale: np.ndarray  # (n_x, 1)

    @classmethod
    def fit(cls, X: FloatArray) -> Standardizer:
        """The mean and standard deviation of each row of ``X`` ``(n_x, m)``."""
        X = np.asarray(X, dtype=np.float64)
        mean = X.mean(axis=1, keepdims=True)
        scale = X.std(axis=1, keepdims=True)
        return cls(mean, np.where(scale > 0, scale, 1.0))

    def apply(self, X: FloatArray) -> np.ndarray:
        """A new, scaled ``X`` (float64; ``X`` is not modified)."""
        return (np.asarray(X, dtype=np.float64) - self.mean) / self.scale

    def to_dict(self) -> dict:
        return {"mean": self.mean.ravel().tolist(), "scale": self.scale.ravel().tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Standardizer:
        mean = np.asarray(data["mean"], dtype=np.float64).reshape(-1, 1)
        scale = np.asarray(data["scale"], dtype=np.float64).reshape(-1, 1)
        if mean.shape != scale.shape or not (np.all(np.isfinite(mean)) and np.all(scale > 0)):
            raise ValueError("the saved standardisation is inconsistent")
        return cls(mean, scale)


@dataclass(frozen=True)
class Model:
    """A model file written by ``fastnn train`` (or :meth:`fastnn.TrainResult.save`)."""

    parameters: Parameters
    metadata: dict
    path: str = ""

    @classmethod
    def load(cls, path: str | os.PathLike) -> Model:
        """Read ``path`` (:func:`fastnn.load`); a ValueError if it is not a usable model."""
        try:
            parameters, metadata = io.load(path)
        except ValueError:
            try:
                io.load_checkpoint(path)
            except ValueError:
                raise
            raise ValueError(
                f"{path} is a training checkpoint, not a model; finish the run with fastnn train --resume {path}"
            ) from None
        model = cls(parameters, metadata, str(path))
        model.standardizer  # noqa: B018 (checked now, not at the first prediction)
        return model

    @property
    def n_x(self) -> int:
        return self.parameters["W1"].shape[1]

    @property
    def n_out(self) -> int:
        return self.parameters[f"W{len(self.parameters) // 2}"].shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.parameters["W1"].dtype

    @property
    def loss(self) -> str:
        return self.metadata.get("loss") or "binary_crossentropy"

    @property
    def hidden_activation(self) -> str:
        return self.metadata.get("hidden_activation", "relu")

    @property
    def classes(self) -> list[str] | None:
        """The class labels of a classifier trained on labelled CSV data, else None."""
        return self.metadata.get("classes")

    @property
    def feature_names(self) -> list[str] | None:
        return self.metadata.get("feature_names")

    @property
    def target_name(self) -> str | None:
        return self.metadata.get("target")

    @property
    def is_regressor(self) -> bool:
        return self.loss == "squared_error"

    @cached_property
    def standardizer(self) -> Standardizer | None:
        data = self.metadata.get("standardize")
        if not data:
            return None
        try:
            scaler = Standardizer.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{self.path}: the saved standardisation is unreadable ({exc})") from None
        if scaler.mean.shape[0] != self.n_x:
            raise ValueError(
                f"{self.path}: the saved standardisation has {scaler.mean.shape[0]} features, not {self.n_x}"
            )
        return scaler

    def inputs(self, X) -> np.ndarray:
        """``X`` ``(n_x, m)`` as the network takes it: checked against the model's feature
        count, standardised as in training, in the model's dtype. A new array."""
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise ValueError(f"the data are of dtype {X.dtype}; the model takes real numbers ({self.dtype})")
        if X.ndim != 2 or X.shape[0] != self.n_x:
            raise ValueError(f"the model takes {self.n_x} features per example; the data have shape {X.shape} (n_x, m)")
        if self.standardizer is not None:
            X = self.standardizer.apply(X)
        return np.array(X, dtype=self.dtype)

    def _settings(self) -> dict:
        return {"loss": self.loss, "backend": None}

    def predict(self, X) -> np.ndarray:
        """:func:`fastnn.predict` on :meth:`inputs`: 0/1 ``(n_L, m)``, classes ``(1, m)`` or values."""
        from fastnn.api import predict

        return predict(self.parameters, self.inputs(X), self.hidden_activation, **self._settings())

    def predict_proba(self, X) -> FloatArray:
        """:func:`fastnn.predict_proba` on :meth:`inputs`."""
        from fastnn.api import predict_proba

        if self.is_regressor:
            raise ValueError("this model is a regressor (squared_error): it predicts values, not probabilities")
        return predict_proba(self.parameters, self.inputs(X), self.hidden_activation, **self._settings())

    def class_index(self, predictions: np.ndarray) -> np.ndarray:
        """Class indices ``(m,)`` of a single-label classifier's :meth:`predict`."""
        return np.asarray(predictions).reshape(-1).astype(np.int64)

    def class_names(self) -> list[str]:
        """The label of class ``k``: the CSV's labels, else ``"0" .. "K-1"``."""
        if self.classes:
            return list(self.classes)
        return [str(k) for k in range(max(self.n_out, 2) if self.loss == "categorical_crossentropy" else 2)]

    @property
    def single_label(self) -> bool:
        """A classifier with one label per example (binary with one unit, or softmax)."""
        return self.loss == "categorical_crossentropy" or (self.loss == "binary_crossentropy" and self.n_out == 1)
