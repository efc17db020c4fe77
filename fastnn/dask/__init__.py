"""Data-parallel full-batch training on Dask (``pip install 'fastnn[dask]'``).

``fastnn.train(X, Y, ...)`` with Dask arrays (and ``client=``, default the current client)
comes here: the data checked and persisted on the workers (:class:`DaskData`), the
optimizer's loop on the client (:class:`DaskTrainer`), one map-reduce of per-partition
gradient sums per iteration. Only this package imports Dask; ``import fastnn`` never does.

- :mod:`fastnn.dask._worker`: what runs on the workers (module-level, pickled by reference).
- :mod:`fastnn.dask._data`: the data on the cluster and the per-iteration map-reduce; also
  the loss and gradient of packed parameters that scikit-learn's L-BFGS needs
  (:meth:`DaskData.loss_and_gradient`).
- :mod:`fastnn.dask._trainer`: the driver's trainer interface.
"""

from fastnn.dask._data import DaskData
from fastnn.dask._trainer import DaskTrainer, check_spec
from fastnn.dask._worker import WorkerSetup

__all__ = ["DaskData", "DaskTrainer", "WorkerSetup", "check_spec"]
