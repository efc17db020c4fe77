"""scikit-learn's stochastic solvers (``sgd``, ``adam``) as one compiled epoch loop.

:class:`fastnn.sklearn.MLPClassifier` and :class:`~fastnn.sklearn.MLPRegressor` train through
:func:`_sk_epochs`: scikit-learn's ``_fit_stochastic`` with the same arithmetic and the same
random draws, many epochs per call. Per epoch, in scikit-learn's order:

1. the examples' order is shuffled (``shuffle=True``): ``order = order[p]`` with ``p`` a
   legacy ``RandomState.shuffle`` of ``arange(n)`` drawn from the estimator's own generator
   (the same swaps applied to ``order`` in place), whose Mersenne Twister state the loop
   continues (:func:`~fastnn.kernels.batching._mt_shuffle`) and hands back, so the generator
   ends exactly where scikit-learn leaves it;
2. batches of ``order`` in sequence (``gen_batches``) are gathered and stepped by the generic
   loop's :func:`~fastnn.kernels.training._step` (the optimizer in scikit-learn's form);
3. the epoch's loss is ``sum of batch losses / n``;
4. :func:`_epoch_end`: the no-improvement count on the training loss (without early
   stopping), the ``invscaling`` rate, and when the count exceeds ``n_iter_no_change`` the
   ``adaptive`` rate divided by 5 or a stop.

With early stopping the count comes from the validation score, computed in Python between
epochs; the loop then runs one epoch per call and Python calls :func:`_epoch_end` itself.
"""

from __future__ import annotations

from collections import namedtuple

from fastnn.kernels._config import reduction
from fastnn.kernels.batching import _mt_shuffle
from fastnn.kernels.training import _batch_views, _gather, _gather_weights, _step

_engine = reduction

#: Learning-rate schedule codes: scikit-learn's ``learning_rate`` for ``sgd``; Adam's rate
#: never changes between epochs and its stopping rule always stops.
SCHEDULES = {"constant": 0, "invscaling": 1, "adaptive": 2, "adam": 3}
_CONSTANT, _INVSCALING, _ADAPTIVE, _ADAM = (SCHEDULES[k] for k in ("constant", "invscaling", "adaptive", "adam"))

#: What :func:`_epoch_end` did: nothing, divided the adaptive rate by 5, or stopped.
NOTHING, REDUCED, STOPPED = 0, 1, 2

#: The estimator's settings as the loop reads them.
Schedule = namedtuple("Schedule", "kind lr_init power_t tol n_iter_no_change shuffle track_loss")

#: Slots of the loop's integer state (int64 array) and real state (float64 array).
T_BATCHES, T_SAMPLES, NO_IMPROVEMENT, MT_POS, EVENT = range(5)
RATE, BEST_LOSS = range(2)


@_engine
def _epoch_end(sch, counters, reals, loss):
    """scikit-learn's bookkeeping after an epoch of loss ``loss`` (``t_`` already advanced):
    the no-improvement count and best loss (when ``sch.track_loss``), the ``invscaling`` rate
    from ``t_``, then, if the count exceeds ``n_iter_no_change``, the adaptive rate divided by
    5 (count reset) or a stop. Returns (and stores in ``counters[EVENT]``) what happened."""
    if sch.track_loss:
        if loss > reals[BEST_LOSS] - sch.tol:
            counters[NO_IMPROVEMENT] += 1
        else:
            counters[NO_IMPROVEMENT] = 0
        if loss < reals[BEST_LOSS]:
            reals[BEST_LOSS] = loss
    if sch.kind == _INVSCALING:
        reals[RATE] = sch.lr_init / (counters[T_SAMPLES] + 1) ** sch.power_t
    event = NOTHING
    if counters[NO_IMPROVEMENT] > sch.n_iter_no_change:
        if sch.kind == _ADAPTIVE and reals[RATE] > 1e-6:
            reals[RATE] /= 5.0
            counters[NO_IMPROVEMENT] = 0
            event = REDUCED
        else:
            event = STOPPED
    counters[EVENT] = event
    return event


@_engine(counted=False)
def _sk_epochs(XT, Y, net, hp, sch, order, key, counters, reals, losses, end_in_loop):
    """Up to ``losses.size`` epochs; returns how many ran (fewer when a stop was triggered).

    Parameters
    ----------
    XT : (n, n_x) array
        The training examples as rows (scikit-learn's layout), read in place.
    Y : (n_y, n) array
    net, hp
        The generic loop's buffers and settings (:class:`~fastnn.kernels.training.Net`,
        :class:`~fastnn.kernels.training.Hyper`), batch buffers sized for ``hp.batch``.
    sch : Schedule
    order : (n,) int64
        scikit-learn's ``sample_idx``, carried across epochs (and calls).
    key : (2 x 624,) uint64
        The generator's Mersenne Twister state words and their outputs
        (:func:`~fastnn.kernels.batching.mt_key`); ``counters[MT_POS]`` its position.
    counters, reals
        The state slots above, updated in place.
    losses : float64 array
        Receives each epoch's loss.
    end_in_loop : bool
        Run :func:`_epoch_end` after each epoch (False: the caller does, one epoch per call).
    """
    n = XT.shape[0]
    n_x, n_y = XT.shape[1], Y.shape[0]
    B = min(hp.batch, n)
    for i in range(losses.size):
        if sch.shuffle:  # the swaps that shuffle arange(n) into p, applied to order: order[p]
            counters[MT_POS] = _mt_shuffle(order, key, counters[MT_POS])
        total = 0.0
        lr = reals[RATE]
        for start in range(0, n, B):
            size = min(B, n - start)
            Xb, Yb = _batch_views(net, hp, n_x, n_y, size)
            _gather(XT, Y, order, start, Xb, Yb, hp.rows)
            if hp.weighted:
                _gather_weights(net.w, order, start, net.wb[:size])
            total += _step(Xb, Yb, net.wb[:size], net, hp, lr, counters[T_BATCHES])
            counters[T_BATCHES] += 1
        loss = total / n
        losses[i] = loss
        counters[T_SAMPLES] += n
        if end_in_loop and _epoch_end(sch, counters, reals, loss) == STOPPED:
            return i + 1
    return losses.size
