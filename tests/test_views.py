"""The memory intrinsics of the training loops (``fastnn.kernels._views``)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from fastnn.kernels._views import prefetch, view2d

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="intrinsics are typed only by compiled code")


def test_prefetch_is_for_contiguous_arrays():
    """A strided array's flat index is no address: the hint refuses to type rather than
    request the wrong lines."""

    @numba.njit
    def hint(a):
        prefetch(a, 0)

    a = np.arange(16.0).reshape(4, 4)
    hint(a)  # C-contiguous: a hint, nothing else
    assert np.array_equal(a, np.arange(16.0).reshape(4, 4))
    with pytest.raises(numba.TypingError):
        hint(a[:, ::2])


def test_view2d_is_the_reshape_of_its_slice():
    """``view2d(buf, offset, rows, cols)`` is ``buf[offset : offset + rows * cols].reshape(rows,
    cols)``, a view: writing through it writes ``buf``."""

    @numba.njit
    def fill(buf, offset, rows, cols):
        v = view2d(buf, offset, rows, cols)
        for i in range(rows):
            for j in range(cols):
                v[i, j] = 10 * i + j
        return buf

    buf = np.zeros(20)
    expected = np.zeros(20)
    expected[3:9] = [0, 1, 2, 10, 11, 12]
    assert np.array_equal(fill(buf, 3, 2, 3), expected)

    @numba.njit
    def layout(buf):
        v = view2d(buf, 3, 2, 3)
        return v.shape, v.strides

    # What BLAS reads (compiled indexing of a C-layout array uses the shape alone).
    assert layout(buf) == ((2, 3), (3 * 8, 8))
