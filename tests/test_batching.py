"""The compiled shuffle (``comp_``) against NumPy's legacy ``RandomState`` (``ref_``), bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from fastnn.kernels import batching as K
from fastnn.reference import batching as R


@pytest.mark.parametrize("m", [0, 1, 2, 3, 7, 64, 300, 625, 1249, 5000])
@pytest.mark.parametrize("seed", [0, 1, 11, 12345, 2**31, 2**32 - 1])
def test_permutation_equals_legacy_random_state(m, seed):
    ref = np.random.RandomState(seed).permutation(m)
    comp = K.epoch_permutation(m, seed, 0)
    assert comp.dtype == np.int64
    np.testing.assert_array_equal(comp, ref)


def test_epochs_and_no_shuffle():
    for epoch in range(5):
        np.testing.assert_array_equal(K.epoch_permutation(300, 10, epoch), R.epoch_permutation(300, 10, epoch))
    np.testing.assert_array_equal(K.epoch_permutation(9, None, 3), np.arange(9))
    assert K.mini_batches is R.mini_batches


@pytest.mark.parametrize("seed", [0, 10, 2**32 - 20])
def test_epoch_permutations_seeded_eight_at_a_time_equal_legacy_random_state(seed):
    """The training loop's permutations (:func:`_epoch_permutation`, its seeds' states computed
    LANES at a time and kept in the workspace): ``RandomState(seed + epoch).permutation(m)``
    for epochs in any order, across groups, and after the workspace served another seed."""
    from fastnn.kernels.batching import EPOCH_KEY, LANES, _epoch_permutation

    key = np.zeros(EPOCH_KEY, np.uint64)
    out = np.empty(1, np.int64)
    _epoch_permutation(seed + 1, 0, out, key)  # lanes of another seed, in the same group
    for epoch in [0, 1, LANES - 1, LANES, LANES + 1, 3, 2 * LANES, 2 * LANES - 1, 5, 19]:
        for m in (1, 2, 64, 300):
            out = np.empty(m, np.int64)
            _epoch_permutation(seed, epoch, out, key)
            np.testing.assert_array_equal(out, np.random.RandomState(seed + epoch).permutation(m))
