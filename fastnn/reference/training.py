"""The general training loop, written to be read: any head, optimizer, batching, L2,
dropout and schedule that a :class:`~fastnn.spec.TrainingSpec` describes.

One epoch ``e`` (absolute, counted over the whole run)::

    lr = learning_rate(spec, e)                                    schedules
    for batch in mini_batches(epoch_permutation(m, seed, e), B):  batching
        masks  = dropout masks of the hidden layers at step t      regularization
        AL     = forward(X[:, batch])                              hidden table, head
        cost  += summed loss + (l2 / 2) sum ||W||^2                 heads, regularization
        grads  = backward(...)        (mean over the batch, + (l2 / B) W)
        params, state = step(params, grads, state, lr)            optimizers (t += 1)
    costs[e] = cost / m

For full batch this is the course's cost, and with L2 its
``compute_cost_with_regularization``. Caches are :mod:`fastnn.reference.layers`'s, one
``((A_prev, W, b), Z)`` per layer, where ``A_prev`` is the previous layer's activation
after dropout; ``masks[l - 1]`` is hidden layer ``l``'s mask.

Training runs in the dtype of ``X``: the parameters and ``Y`` are cast to it once
(float32 in, float32 parameters and costs out). Inputs are never written into.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.reference import optimizers
from fastnn.reference.batching import epoch_permutation, mini_batches
from fastnn.reference.heads import HEADS, HIDDEN, HIDDEN_DERIVATIVES, output_activation
from fastnn.reference.layers import linear_backward, linear_forward
from fastnn.reference.regularization import (
    course_masks,
    dropout_backward,
    dropout_forward,
    dropout_mask,
    l2_cost,
    l2_gradient,
)
from fastnn.reference.schedules import learning_rate
from fastnn.spec import TrainingSpec


def forward(
    X: FloatArray, parameters: Parameters, spec: TrainingSpec, masks: list | None = None
) -> tuple[FloatArray, list]:
    """Forward pass: ``L - 1`` hidden layers (with dropout if ``masks``), then the head's output.

    Parameters
    ----------
    X : (n_x, B) array
    parameters : dict
        ``{"W1": (n_1, n_x), "b1": (n_1, 1), ..., "WL", "bL"}``.
    spec : TrainingSpec
        ``hidden_activation``, ``loss`` (the output activation), ``keep_prob``.
    masks : list of (n_l, B) arrays, optional
        One 0/1 mask per hidden layer; None or empty: no dropout.

    Returns
    -------
    AL : (n_L, B) array
        The output activation of ``ZL``.
    caches : list of tuple
        ``((A_prev, W, b), Z)`` per layer; ``caches[-1][1]`` is ``ZL``.
    """
    L = spec.n_layers
    g = HIDDEN[spec.hidden_activation]
    caches = []
    A = X
    for l in range(1, L):
        Z, linear_cache = linear_forward(A, parameters[f"W{l}"], parameters[f"b{l}"])
        A = g(Z)
        if masks:
            A = dropout_forward(A, masks[l - 1], spec.keep_prob)
        caches.append((linear_cache, Z))
    ZL, linear_cache = linear_forward(A, parameters[f"W{L}"], parameters[f"b{L}"])
    caches.append((linear_cache, ZL))
    return output_activation(spec.loss, ZL), caches


def backward(
    AL: FloatArray,
    Y: FloatArray,
    caches: list,
    parameters: Parameters,
    spec: TrainingSpec,
    batch_size: int,
    masks: list | None = None,
) -> dict[str, FloatArray]:
    """Gradients of the batch objective ``(summed loss + l2_cost) / B``.

    Parameters
    ----------
    AL : (n_L, B) array
        From :func:`forward`.
    Y : (n_L, B) array
    caches : list
        From :func:`forward`.
    parameters : dict
        The parameters of the forward pass (for the L2 term).
    spec : TrainingSpec
        ``hidden_activation``, ``l2``, ``keep_prob``.
    batch_size : int
        ``B``, the number of columns of this batch.
    masks : list of (n_l, B) arrays, optional
        The masks of the forward pass.

    Returns
    -------
    dict
        ``dW[l]`` (with ``(l2 / B) W[l]``), ``db[l]`` for every layer, and ``dA[l]`` for
        ``l = 0 .. L-1``: the gradient with respect to hidden layer ``l``'s activation before
        dropout (the course's ``dA1``, ``dA2`` after the mask); ``dA0`` is with respect to ``X``.
    """
    if AL.shape[1] != batch_size:
        raise ValueError(f"batch_size {batch_size} does not match AL's {AL.shape[1]} columns")
    L = len(caches)
    g_prime = HIDDEN_DERIVATIVES[spec.hidden_activation]
    grads = {}
    # Sigmoid + binary cross-entropy, softmax + categorical cross-entropy, identity + squared
    # error: each pair is a canonical link, so the summed loss's dZL is AL - Y for all three.
    dZ = AL - Y
    for l in reversed(range(1, L + 1)):
        linear_cache, Z = caches[l - 1]
        if l < L:
            dZ = g_prime(grads[f"dA{l}"], Z)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
        grads[f"dW{l}"] = dW + l2_gradient(parameters[f"W{l}"], spec.l2, batch_size)
        grads[f"db{l}"] = db
        if masks and l > 1:
            dA_prev = dropout_backward(dA_prev, masks[l - 2], spec.keep_prob)
        grads[f"dA{l - 1}"] = dA_prev
    return grads


def init_state(parameters: Parameters, spec: TrainingSpec) -> dict:
    """The state of a run that has not started.

    Returns
    -------
    dict
        ``{"epoch": 0, "t": 0}`` (epochs and mini-batches done) and the optimizer's zero
        moments (:func:`fastnn.reference.optimizers.init_state`).
    """
    return {"epoch": 0, **optimizers.init_state(parameters, spec)}


def _masks(spec: TrainingSpec, batch_size: int, t: int, dtype) -> list[FloatArray] | None:
    """Hidden layers' dropout masks at mini-batch ``t``; None without dropout."""
    if spec.keep_prob == 1:
        return None
    if spec.dropout_stream == "course":
        return course_masks(spec.layer_dims, batch_size, spec.keep_prob, spec.dropout_seed, dtype)
    return [
        dropout_mask((spec.layer_dims[l], batch_size), spec.keep_prob, spec.dropout_seed, t, l, dtype)
        for l in range(1, spec.n_layers)
    ]


def _check(X: FloatArray, Y: FloatArray, parameters: Parameters, spec: TrainingSpec) -> None:
    dims = spec.layer_dims
    if X.ndim != 2 or X.shape[0] != dims[0]:
        raise ValueError(f"X must have shape (n_x, m) = ({dims[0]}, m), got {X.shape}")
    if Y.shape != (dims[-1], X.shape[1]):
        raise ValueError(f"Y must have shape (n_L, m) = ({dims[-1]}, {X.shape[1]}), got {Y.shape}")
    for l in range(1, len(dims)):
        if parameters[f"W{l}"].shape != (dims[l], dims[l - 1]) or parameters[f"b{l}"].shape != (dims[l], 1):
            raise ValueError(f"W{l}, b{l} must have shapes {(dims[l], dims[l - 1])}, {(dims[l], 1)}")


def train_epochs(
    X: FloatArray,
    Y: FloatArray,
    parameters: Parameters,
    spec: TrainingSpec,
    num_epochs: int,
    state: dict | None = None,
) -> tuple[Parameters, FloatArray, dict]:
    """Train ``num_epochs`` epochs, continuing from ``state``.

    Parameters
    ----------
    X : (n_x, m) array
    Y : (n_L, m) array
        Labels (0/1 for binary cross-entropy, one-hot columns for categorical), or targets.
    parameters : dict
        ``{"W1", "b1", ..., "WL", "bL"}``, shapes from ``spec.layer_dims``.
    spec : TrainingSpec
    num_epochs : int
    state : dict, optional
        From :func:`init_state` or a previous call; None: a new run. Two calls of 5
        epochs give the same bits as one call of 10.

    Returns
    -------
    parameters : dict
        New arrays, in the dtype of ``X``.
    costs : (num_epochs,) array, dtype of ``X``
        Per epoch, ``sum over batches of (summed loss + (l2 / 2) sum ||W||^2) / m``, each
        batch's term taken with its parameters before the step.
    state : dict
        ``{"epoch", "t", moments}`` after the last epoch.
    """
    _check(X, Y, parameters, spec)
    dtype = X.dtype
    Y = Y.astype(dtype, copy=False)
    parameters = {key: value.astype(dtype, copy=False) for key, value in parameters.items()}
    if state is None:
        state = init_state(parameters, spec)
    m = X.shape[1]
    head = HEADS[spec.loss]
    costs = np.empty(num_epochs, dtype=dtype)
    for i in range(num_epochs):
        epoch = state["epoch"]
        lr = learning_rate(spec, epoch)
        total = dtype.type(0)
        # Full batch (batch_size None, or m and more) visits the examples in order: shuffling
        # would only change the order of the sums.
        full = spec.batch_size is None or spec.batch_size >= m
        batches = [None] if full else mini_batches(epoch_permutation(m, spec.shuffle_seed, epoch), spec.batch_size)
        for batch in batches:
            # np.take gathers in C order, the course's layout; X[:, batch] comes back in F order,
            # for which BLAS sums dW = dZ @ A_prev.T in another order (other rounding).
            X_batch, Y_batch = (X, Y) if full else (np.take(X, batch, axis=1), np.take(Y, batch, axis=1))
            B = X_batch.shape[1]
            masks = _masks(spec, B, state["t"], dtype)
            AL, caches = forward(X_batch, parameters, spec, masks)
            _, summed_loss, _ = head(caches[-1][1], Y_batch)
            total += summed_loss + l2_cost(parameters, spec.l2)
            grads = backward(AL, Y_batch, caches, parameters, spec, B, masks)
            parameters, state = optimizers.step(parameters, grads, state, spec, lr)
        costs[i] = total / m
        state = {**state, "epoch": epoch + 1}
    return parameters, costs, state
