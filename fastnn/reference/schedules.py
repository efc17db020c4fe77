"""The learning rate of each epoch, as a name-keyed table.

The course recomputes the rate after each epoch from that epoch's index (its ``model``
calls ``learning_rate = decay(learning_rate0, i, decay_rate)`` at the end of epoch ``i``),
so epoch 0 trains at ``lr0`` and epoch ``e >= 1`` at ``decay(lr0, e - 1, ...)``:

``None``       ``lr0``
``"inverse"``  ``lr0 / (1 + decay_rate * (e - 1))``                           (``update_lr``)
``"step"``     ``lr0 / (1 + decay_rate * floor((e - 1) / decay_interval))``    (``schedule_lr_decay``)

Epochs 0 and 1 therefore both train at ``lr0``. Rates are Python floats (``math.floor``,
not ``np.floor``, whose float64 scalar would promote float32 parameters to float64).
"""

from __future__ import annotations

import math

from fastnn.spec import TrainingSpec


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """The course's ``update_lr``: ``learning_rate0 / (1 + decay_rate * epoch_num)``."""
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000) -> float:
    """The course's ``schedule_lr_decay``: ``learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval))``."""
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def _constant(spec: TrainingSpec, epoch: int) -> float:
    return spec.learning_rate


def _inverse(spec: TrainingSpec, epoch: int) -> float:
    # max(epoch - 1, 0): the course's rate is recomputed after an epoch, from its index.
    return update_lr(spec.learning_rate, max(epoch - 1, 0), spec.decay_rate)


def _step(spec: TrainingSpec, epoch: int) -> float:
    return schedule_lr_decay(spec.learning_rate, max(epoch - 1, 0), spec.decay_rate, spec.decay_interval)


#: ``SCHEDULES[decay](spec, epoch) -> rate``; keys are :data:`fastnn.spec.DECAYS`.
SCHEDULES = {
    None: _constant,
    "inverse": _inverse,
    "step": _step,
}


def learning_rate(spec: TrainingSpec, epoch: int) -> float:
    """The rate epoch ``epoch`` (absolute, from 0) trains at under ``spec.decay``.

    Parameters
    ----------
    spec : TrainingSpec
        ``learning_rate`` (``lr0``), ``decay``, ``decay_rate``, ``decay_interval``.
    epoch : int
        From 0.

    Returns
    -------
    float
    """
    return SCHEDULES[spec.decay](spec, epoch)
