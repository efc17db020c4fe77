"""L2 weight decay and inverted dropout, with dropout masks from a counter-based stream.

L2 (the course's lambda, here ``l2``): a batch of ``B`` examples adds
``(l2 / 2) sum_l ||W[l]||^2`` (weights only, biases excluded) to its summed loss, and the
whole is divided by ``B``; so ``dW[l]`` gains ``(l2 / B) W[l]``.

Inverted dropout on hidden layers: ``A = A * D / keep_prob`` forward, ``dA = dA * D /
keep_prob`` backward, with a 0/1 mask ``D`` per hidden layer and mini-batch.

The masks come from a counter-based stream: every mask entry is a pure function of
``(seed, t, l, i, j)``, so a compiled backend reproduces it bit for bit without sharing a
generator, and nothing has to be checkpointed beyond the mini-batch counter ``t``. All
arithmetic is on unsigned 64-bit integers, modulo 2**64::

    GOLDEN = 0x9E3779B97F4A7C15
    mix64(z):  z ^= z >> 30;  z *= 0xBF58476D1CE4E5B9
               z ^= z >> 27;  z *= 0x94D049BB133111EB
               z ^= z >> 31                              (the SplitMix64 finaliser)
    key(seed, t, l) = mix64(mix64(mix64(seed + GOLDEN) ^ t) ^ l)
    u[i, j] = (mix64(key + (i * B + j + 1) * GOLDEN) >> 11) * 2**-53     in [0, 1)
    D[i, j] = u[i, j] < keep_prob

(The Regularization notebook's masks, ``dropout_stream="course"`` in the spec, are another
stream: :func:`course_masks`.)

with ``t`` the 0-based count of mini-batches since the start of the run (across epochs),
``l`` the 1-based hidden layer, ``i`` its unit (``0 .. n_l - 1``), ``j`` the position in the
batch (``0 .. B - 1``, ``B`` the actual size of the batch). The top 53 bits of the mixed word
make the double exactly, so ``u`` is one of the 2**53 multiples of 2**-53 below 1.
"""

from __future__ import annotations

import numpy as np

from fastnn._typing import FloatArray, Parameters

#: 2**64 / golden ratio, odd: SplitMix64's increment.
GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_UINT64_MAX = 2**64 - 1


def l2_cost(parameters: Parameters, l2: float) -> FloatArray:
    """``(l2 / 2) * sum over layers of ||W[l]||^2``, the weights only.

    Parameters
    ----------
    parameters : dict
        ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``; biases do not count.
    l2 : float
        The course's ``lambd``.

    Returns
    -------
    scalar of the parameters' dtype
        Not divided by the batch size: it is added to a batch's SUMMED loss, and the batch
        objective is that total divided by ``B``.
    """
    squares = sum(np.sum(np.square(W)) for key, W in parameters.items() if key.startswith("W"))
    return l2 / 2 * squares


def l2_gradient(W: FloatArray, l2: float, batch_size: int) -> FloatArray:
    """``(l2 / B) W``: the L2 term's share of ``dW`` for a batch of ``B`` examples, shape of ``W``."""
    return l2 / batch_size * W


def dropout_forward(A: FloatArray, D: FloatArray, keep_prob: float) -> FloatArray:
    """``A * D / keep_prob``: inverted dropout, so the expected activation is unchanged.

    Parameters
    ----------
    A : (n_l, B) array
    D : (n_l, B) array of zeros and ones (the dtype of ``A``)
    keep_prob : float

    Returns
    -------
    (n_l, B) array
    """
    return A * D / keep_prob


def dropout_backward(dA: FloatArray, D: FloatArray, keep_prob: float) -> FloatArray:
    """``dA * D / keep_prob``: the same mask and scale on the way back, shape ``(n_l, B)``."""
    return dA * D / keep_prob


def mix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser on uint64 arrays (wrapping arithmetic), shape kept."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = z ^ (z >> np.uint64(30))
        z = z * np.uint64(_MIX1)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(_MIX2)
        return z ^ (z >> np.uint64(31))


def dropout_key(seed: int, t: int, l: int) -> np.uint64:
    """``mix64(mix64(mix64(seed + GOLDEN) ^ t) ^ l)``: the key of one layer's mask at one step.

    Parameters
    ----------
    seed : int
        ``TrainingSpec.dropout_seed``, in ``[0, 2**64)``.
    t : int
        Mini-batches done since the start of the run (0 for the first), ``>= 0``.
    l : int
        Hidden layer, from 1.
    """
    for name, value in (("seed", seed), ("t", t), ("l", l)):
        if not 0 <= value <= _UINT64_MAX:
            raise ValueError(f"{name} must be in [0, 2**64), got {value}")
    with np.errstate(over="ignore"):
        z = mix64(np.uint64(seed) + np.uint64(GOLDEN))
        z = mix64(z ^ np.uint64(t))
        return mix64(z ^ np.uint64(l))[()]


def dropout_uniforms(shape: tuple[int, int], seed: int, t: int, l: int) -> np.ndarray:
    """The stream's uniforms ``u`` in ``[0, 1)`` for hidden layer ``l`` at mini-batch ``t``.

    Parameters
    ----------
    shape : (n_l, B)
        Units of the layer, examples in the batch.
    seed, t, l : int
        As :func:`dropout_key`.

    Returns
    -------
    (n_l, B) float64 array
        ``u[i, j] = (mix64(key + (i * B + j + 1) * GOLDEN) >> 11) * 2**-53``.
    """
    n, B = shape
    key = dropout_key(seed, t, l)
    counter = np.arange(1, n * B + 1, dtype=np.uint64).reshape(n, B)  # i * B + j + 1
    with np.errstate(over="ignore"):
        bits = mix64(key + counter * np.uint64(GOLDEN)) >> np.uint64(11)
    return bits.astype(np.float64) * 2.0**-53


def dropout_mask(shape: tuple[int, int], keep_prob: float, seed: int, t: int, l: int, dtype=np.float64) -> FloatArray:
    """The dropout mask ``D = (u < keep_prob)`` of hidden layer ``l`` at mini-batch ``t``.

    Parameters
    ----------
    shape : (n_l, B)
    keep_prob : float
        Probability that a unit is kept.
    seed, t, l : int
        As :func:`dropout_key`.
    dtype : float32 or float64
        The dtype of the activations it multiplies.

    Returns
    -------
    (n_l, B) array of zeros and ones, of ``dtype``
    """
    return (dropout_uniforms(shape, seed, t, l) < keep_prob).astype(dtype)


def course_masks(layer_dims, m: int, keep_prob: float, seed: int, dtype=np.float64) -> list[FloatArray]:
    """The Regularization notebook's dropout masks: one draw per run, reused at every iteration.

    The notebook seeds NumPy's global generator with ``seed`` at every forward pass and draws
    ``rand(n_1, m)``, then ``rand(n_2, m)``, ...; here a local ``RandomState(seed)`` draws the
    same numbers, the global generator untouched.

    Parameters
    ----------
    layer_dims : sequence of int
        ``(n_x, n_1, ..., n_L)``; masks for the hidden layers ``1 .. L-1``.
    m : int
        Examples (full batch).
    keep_prob : float
    seed : int
        In ``[0, 2**32)``.
    dtype : float32 or float64

    Returns
    -------
    list of (n_l, m) arrays of zeros and ones, of ``dtype``
    """
    rng = np.random.RandomState(seed)
    return [(rng.rand(n, m) < keep_prob).astype(dtype) for n in layer_dims[1:-1]]
