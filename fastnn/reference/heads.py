"""Output heads: the output activation and its loss, as one name-keyed table.

``HEADS[loss](ZL, Y) -> (AL, summed_loss, dZL)``, keyed like :data:`fastnn.spec.LOSSES`;
the loss of one example (a column ``z`` of ``ZL``, ``y`` of ``Y``) is

``binary_crossentropy``       sigmoid output; ``sum_k max(z_k, 0) - z_k y_k + log1p(exp(-|z_k|))``
``categorical_crossentropy``  softmax output; ``-sum_k y_k log softmax(z)_k``, ``y`` one-hot
``squared_error``             identity output; ``1/2 sum_k (z_k - y_k)**2``
``poisson``                   exp output; ``sum_k y_k log(y_k / a_k) - y_k + a_k``, ``a = exp(z)``
                              (the Poisson deviance's half: 0 when ``a = y``; ``0 log 0 = 0``)

With several output units the binary cross-entropy is multi-label: one independent sigmoid
per unit, the losses summed over units. The summed loss is the SUM over the examples of the
batch, not the mean: a mini-batch run adds the batches' sums and divides by ``m`` once, at
the end of the epoch.

Every pair is a canonical link (the output activation is the inverse of the canonical link
of the loss's exponential family: logit for Bernoulli, multinomial logit for categorical,
identity for Gaussian, log for Poisson), so the gradient of the summed loss with respect to
the logits is ``dZL = AL - Y`` for all four: the heads return it fused, never through ``dAL``.

This module also holds the hidden activation ``identity`` and the tables
:data:`HIDDEN` / :data:`HIDDEN_DERIVATIVES` (``ACTIVATIONS`` / ``DERIVATIVES`` plus
``identity``), which :mod:`fastnn.reference.training` reads. They are waiting to be merged
into :mod:`fastnn.reference.activations`.

``Y`` is expected in the dtype of ``ZL``; float32 in, float32 out.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from fastnn._typing import FloatArray
from fastnn.reference.activations import ACTIVATIONS, DERIVATIVES, sigmoid
from fastnn.spec import LOSSES


def identity(Z: FloatArray) -> FloatArray:
    """``A = Z``, shape kept (the same array: activations never write into their input)."""
    return Z


def identity_backward(dA: FloatArray, Z: FloatArray) -> FloatArray:
    """``dZ = dA``: the derivative of the identity is 1."""
    return dA


#: Hidden activations: :data:`~fastnn.reference.activations.ACTIVATIONS` plus ``identity``.
#: To be merged into ``activations.py``; keys are :data:`fastnn.spec.HIDDEN_ACTIVATIONS`.
HIDDEN = {**ACTIVATIONS, "identity": identity}

#: Their derivatives ``(dA, Z) -> dZ``, same keys.
HIDDEN_DERIVATIVES = {**DERIVATIVES, "identity": identity_backward}


def softmax(Z: FloatArray) -> FloatArray:
    """Column-wise softmax, ``(K, m) -> (K, m)``, each column summing to 1.

    The column maximum is subtracted first: the same numbers, but ``exp`` never overflows.
    """
    e = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def sigmoid_binary_crossentropy(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Sigmoid output units with (multi-label) binary cross-entropy.

    Parameters
    ----------
    ZL : (n_L, m) array
        Logits.
    Y : (n_L, m) array
        Zeros and ones.

    Returns
    -------
    AL : (n_L, m) array
        ``sigmoid(ZL)``.
    summed_loss : scalar of ZL's dtype
        ``sum(max(ZL, 0) - ZL * Y + log1p(exp(-|ZL|)))`` over units and examples: the
        cross-entropy of ``AL`` written from the logits, finite for every finite ``ZL``
        (the form of :func:`fastnn.reference.model.sigmoid_cross_entropy`, not divided by m).
    dZL : (n_L, m) array
        ``AL - Y``.
    """
    AL = sigmoid(ZL)
    summed_loss = np.sum(np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL))))
    return AL, summed_loss, AL - Y


def softmax_categorical_crossentropy(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Softmax output with categorical cross-entropy.

    Parameters
    ----------
    ZL : (K, m) array
        Logits.
    Y : (K, m) array
        One-hot columns.

    Returns
    -------
    AL : (K, m) array
        ``softmax(ZL)``.
    summed_loss : scalar of ZL's dtype
        ``-sum(Y * log_softmax(ZL))`` over classes and examples. The log-softmax is
        ``shifted - log(sum(exp(shifted)))`` with ``shifted = ZL - max(ZL)`` per column, so
        it is never ``log(0)``: the sum in the log is at least 1.
    dZL : (K, m) array
        ``AL - Y``.
    """
    shifted = ZL - np.max(ZL, axis=0, keepdims=True)
    e = np.exp(shifted)
    total = np.sum(e, axis=0, keepdims=True)
    AL = e / total
    log_AL = shifted - np.log(total)
    summed_loss = -np.sum(Y * log_AL)
    return AL, summed_loss, AL - Y


def identity_squared_error(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Identity output with squared error (regression).

    Parameters
    ----------
    ZL : (n_L, m) array
    Y : (n_L, m) array
        Targets.

    Returns
    -------
    AL : (n_L, m) array
        ``ZL`` itself.
    summed_loss : scalar of ZL's dtype
        ``1/2 sum((AL - Y)**2)`` over outputs and examples.
    dZL : (n_L, m) array
        ``AL - Y``.
    """
    AL = identity(ZL)
    residual = AL - Y
    summed_loss = np.sum(residual * residual) / 2
    return AL, summed_loss, residual


def exp_poisson(ZL: FloatArray, Y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Exponential output with the Poisson loss (counts, rates).

    Parameters
    ----------
    ZL : (n_L, m) array
        The log of the predicted mean.
    Y : (n_L, m) array
        Non-negative targets.

    Returns
    -------
    AL : (n_L, m) array
        ``exp(ZL)``.
    summed_loss : scalar of ZL's dtype
        ``sum(Y log Y - Y ZL - Y + AL)`` over outputs and examples (``0 log 0 = 0``), which is
        ``sum(Y log(Y / AL) - Y + AL)`` written without dividing by ``AL``.
    dZL : (n_L, m) array
        ``AL - Y``.
    """
    AL = np.exp(ZL)
    summed_loss = np.sum(xlogy(Y, Y) - Y * ZL - Y + AL)
    return AL, summed_loss, AL - Y


#: ``HEADS[loss](ZL, Y) -> (AL, summed_loss, dZL)``; keys are :data:`fastnn.spec.LOSSES`.
HEADS = {
    "binary_crossentropy": sigmoid_binary_crossentropy,
    "categorical_crossentropy": softmax_categorical_crossentropy,
    "squared_error": identity_squared_error,
    "poisson": exp_poisson,
}

#: Output activations by name (the values of :data:`fastnn.spec.LOSSES`).
OUTPUT_ACTIVATIONS = {
    "sigmoid": sigmoid,
    "softmax": softmax,
    "identity": identity,
    "exp": np.exp,
}


def output_activation(loss: str, ZL: FloatArray) -> FloatArray:
    """The prediction of the head of ``loss`` (a key of :data:`fastnn.spec.LOSSES`) from logits.

    Parameters
    ----------
    loss : {"binary_crossentropy", "categorical_crossentropy", "squared_error", "poisson"}
    ZL : (n_L, m) array

    Returns
    -------
    AL : (n_L, m) array
        Probabilities (sigmoid per unit, or softmax per column), ``ZL`` for squared error,
        ``exp(ZL)`` for Poisson.
    """
    return OUTPUT_ACTIVATIONS[LOSSES[loss]](ZL)
