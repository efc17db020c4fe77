"""Type aliases shared by the reference, the kernels and the public API."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: A float32 or float64 NumPy array.
FloatArray = npt.NDArray[np.float32 | np.float64]

#: Parameters in the course's notation: ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}``.
Parameters = dict[str, np.ndarray]

#: The float dtypes every backend compiles for.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
