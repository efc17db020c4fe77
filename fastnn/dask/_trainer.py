"""Full-batch training on a Dask cluster behind the driver's trainer interface.

The optimizer's loop runs on the client; each iteration is one
:meth:`~fastnn.dask._data.DaskData.loss_and_gradient` on the cluster, then exactly the
update the local loop runs (:func:`fastnn.kernels.optimizers._update`, ``B = m``, the L2
term ``l2 / m * W``), with the epoch's learning rate from the local loop's own
:func:`~fastnn.kernels.training._epoch_lr`. The parameters, moments and counters live in a
client-side :class:`~fastnn.kernels.training.EpochTrainer` of one dummy example (its
layout, :meth:`state` and :meth:`restore`: a Dask checkpoint holds what a local one holds).
"""

from __future__ import annotations

import contextlib

import numpy as np

from fastnn._typing import FloatArray, Parameters
from fastnn.dask._data import DaskData
from fastnn.kernels.optimizers import _update
from fastnn.kernels.training import EpochTrainer, _epoch_lr
from fastnn.spec import TrainingSpec

#: A scheduler round trip (a few milliseconds) counted as this many flops when the driver
#: sizes its chunks (2e10 flops): at most 100 iterations per chunk, so that reports,
#: checkpoints and Ctrl-C come within a second or two however small the data.
ROUND_TRIP_FLOPS = 2e8


class DaskTrainer:
    """Full-batch training of ``spec`` on a persisted :class:`DaskData`: the driver's interface
    (``run``, ``parameters``, ``state``, ``restore``, ``blas_threads``, ``flops_per_iteration``).

    Parameters
    ----------
    data : DaskData
        Persisted for ``spec``.
    parameters : dict
        Starting point; copied.
    spec : TrainingSpec
        Full batch, no dropout (checked by :func:`check_spec`).
    """

    def __init__(self, data: DaskData, parameters: Parameters, spec: TrainingSpec):
        check_spec(spec, data.shape[1])
        n_x, m = data.shape
        self.data, self.spec, self.m = data, spec, m
        self.local = EpochTrainer(
            np.zeros((n_x, 1), data.dtype), np.zeros((spec.layer_dims[-1], 1), data.dtype), parameters, spec
        )
        self.dtype = data.dtype
        self.flops_per_iteration = max(spec.flops(m), ROUND_TRIP_FLOPS)

    def blas_threads(self):
        """The client computes only the update: its BLAS threads are left alone."""
        return contextlib.nullcontext()

    def run(self, num_epochs: int) -> FloatArray:
        """``num_epochs`` iterations, one map-reduce on the cluster each; returns their costs."""
        local, m = self.local, float(self.m)  # the local loop's divisor, a float
        net, hp = local.net, local.hyper
        costs = np.empty(num_epochs, self.dtype)
        for i in range(num_epochs):
            lr = _epoch_lr(hp.decay, hp.lr, hp.decay_rate, hp.decay_interval, local.epoch)
            cost, G = self.data.loss_and_gradient(net.P)
            np.copyto(net.G, G)
            t = local.t + 1
            moments = (hp.beta, hp.beta1, hp.beta2, hp.epsilon)
            _update(hp.opt, net.P, net.G, net.V, net.S, net.n_w, m, hp.l2 / m, lr, *moments, t)
            costs[i] = cost / m
            local.t, local.epoch = t, local.epoch + 1
        return costs

    def parameters(self) -> Parameters:
        """The current parameters (copies)."""
        return self.local.parameters()

    def state(self) -> dict[str, np.ndarray]:
        """Parameters, moments and counters, as :meth:`EpochTrainer.state` gives them."""
        return self.local.state()

    @classmethod
    def restore(cls, data: DaskData, state: dict, spec: TrainingSpec) -> DaskTrainer:
        """A trainer that continues from :meth:`state` (a local checkpoint's state too)."""
        trainer = cls(data, {k: v for k, v in state.items() if k[0] in "Wb" and k[1:].isdigit()}, spec)
        dims = spec.layer_dims
        trainer.local = EpochTrainer.restore(
            np.zeros((dims[0], 1), data.dtype), np.zeros((dims[-1], 1), data.dtype), state, spec
        )
        return trainer


def check_spec(spec: TrainingSpec, m: int, backend: str = "numba", mode: str = "auto") -> None:
    """ValueError for what the Dask path does not run, with the reason."""
    if spec.batch_size is not None and spec.batch_size < m:
        raise ValueError(
            f"batch_size={spec.batch_size}: Dask runs full-batch training only (batch_size=None); a mini-batch "
            "would cost a scheduler round trip (milliseconds) for a few milliseconds of work, or less"
        )
    if spec.keep_prob < 1:
        raise ValueError(
            f"keep_prob={spec.keep_prob}: dropout is not run on Dask: its masks are drawn by position in the "
            "whole batch (and the course's once for all m examples), which a partition would have to "
            "reproduce from its offset; train with keep_prob=1 or on one machine"
        )
    if backend != "numba":
        raise ValueError(
            f"backend={backend!r}: Dask runs fastnn's compiled kernels on the workers; leave backend=None "
            "(the numpy backend is the reference, for one machine)"
        )
    if mode == "gram":
        raise ValueError("mode='gram' keeps an m x m matrix of all the examples: one machine only; use mode='auto'")
