"""Kernels compiled with less: only compiled code calls them
(:class:`fastnn.kernels._config._CompiledOnly`), or they count no references
(:class:`~fastnn.kernels._config._Uncounted`).

Compiled-only kernels have no entry point for Python, so a call from Python must be refused
with a TypeError, before and after the kernel was compiled (or loaded from the disk cache) as
some loop's callee: without the refusal that call would jump to code that does not exist (a
crash, which is why the checks run in fresh processes). Uncounted kernels must hold no call
into Numba's reference counting, must not allocate or return an array, and must not pass
their setting on to the counted kernels they call.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import pytest

pytestmark = pytest.mark.skipif(numba.config.DISABLE_JIT, reason="nothing is compiled under NUMBA_DISABLE_JIT")

CALL_FROM_PYTHON = r"""
import numpy as np
from numba import types
from fastnn.kernels import batching
from fastnn.kernels._config import _CompiledOnly

kernel = batching._mt_shuffle
assert isinstance(kernel, _CompiledOnly)
signature = (types.Array(types.int64, 1, "C"), types.Array(types.uint64, 1, "C"), types.int64)
for attempt in ("before", "after"):
    try:
        kernel(np.arange(5), np.zeros(2 * 624, np.uint64), 624)
    except TypeError as error:
        print(attempt, error)
    else:
        raise SystemExit("no TypeError " + attempt)
    kernel.compile(signature)  # as for a caller (compiled, or loaded from the disk cache)
    assert kernel.signatures
print("loaded from the disk cache", sum(kernel.stats.cache_hits.values()))
library = kernel.overloads[signature].library
import os
if os.environ["FASTNN_CACHE"] == "0":  # compiled here: its module is at hand
    names = [f.name for f in library._final_module.functions if not f.is_declaration]
    wrappers = [n for n in names if "cpython" in n or "cfunc" in n]
    print("functions", len(names), "wrappers", wrappers)
"""


@pytest.mark.parametrize("cache", ["0", "1"])
def test_a_compiled_only_kernel_called_from_python_is_a_type_error(cache, tmp_path):
    """With the cache on, the second of two fresh processes loads the kernel from the disk."""
    env = dict(os.environ, FASTNN_CACHE=cache, NUMBA_CACHE_DIR=str(tmp_path))
    for _ in range(1 if cache == "0" else 2):
        out = subprocess.run(
            [sys.executable, "-c", CALL_FROM_PYTHON], capture_output=True, text=True, timeout=600, env=env
        )
        assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:3] == [
        *(f"{attempt} _mt_shuffle is called from compiled kernels only" for attempt in ("before", "after")),
        f"loaded from the disk cache {int(cache)}",
    ]
    if cache == "0":  # compiled in that process: its module holds the kernel, no wrapper
        assert lines[3].startswith("functions ") and lines[3].endswith(" wrappers []"), lines[3]
        assert not lines[3].startswith("functions 0 ")


def test_a_kernel_python_calls_keeps_its_wrapper():
    """The other side of the rule (so that the check above can tell): ``_permutation``,
    called from Python, has its CPython wrapper."""
    env = dict(os.environ, FASTNN_CACHE="0")
    code = (
        "import numpy as np\n"
        "from fastnn.kernels import batching\n"
        "batching._permutation(3, np.empty(5, np.int64), np.empty(2 * 624, np.uint64))\n"
        "(cres,) = batching._permutation.overloads.values()\n"
        "print(sum('cpython' in f.name for f in cres.library._final_module.functions))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 1


UNCOUNTED = r"""
import numpy as np
from numba import njit
from fastnn.kernels import batching, estimator, regularization, training
from fastnn.kernels._config import _CompiledOnly, _Uncounted, reduction

assert isinstance(training._epochs, _Uncounted) and isinstance(estimator._sk_epochs, _Uncounted)
assert isinstance(batching._mt_shuffle, _CompiledOnly) and isinstance(batching._mt_shuffle, _Uncounted)


def calls(kernel):
    (cres,) = kernel.overloads.values()
    ir = cres.library.get_llvm_str()
    return ir.count("@NRT_incref("), ir.count("@NRT_decref(")


def total(A, B):  # reads two arrays, and the same out of a tuple
    pair = (A, B)
    s = 0.0
    for i in range(A.size):
        s += A[i] * pair[1][i]
    return s


counted, uncounted = reduction(total), reduction(counted=False)(total)
A = np.arange(4.0)
assert counted(A, A) == uncounted(A, A) == 14.0
print("counted", calls(counted), "uncounted", calls(uncounted))
batching.epoch_permutation(5, 3, 1)  # compiles _mt_shuffle as a callee (no cache in this process)
print("compiled-only", calls(batching._mt_shuffle))


def same(A):
    return A


inner = reduction(python=False)(same)


@njit
def outer(A):
    return inner(A)[0]


def pair(A):
    return A, 1.0


def maybe(A):
    return A if A.size > 2 else None


for kernel in (reduction(counted=False)(same), outer, reduction(counted=False)(pair), reduction(counted=False)(maybe)):
    try:
        kernel(A)
    except Exception as error:  # Numba reports the callee's TypeError as a typing error of the caller
        name = kernel.py_func.__name__ if kernel is not outer else "same"
        print("refused:", f"{name} returns " in str(error) and "must not return an array" in str(error))


def allocates(n):
    return np.empty(n).size


try:
    reduction(counted=False)(allocates)(3)
except Exception as error:
    print("allocation refused:", type(error).__name__, "empty" in str(error))  # NumPy's allocators do not type


def sum_of_squares(A):  # an uncounted caller of a counted kernel, compiled first from here
    return regularization._squares(A)


assert reduction(counted=False)(sum_of_squares)(A) == 14.0
((signature, cres),) = regularization._squares.overloads.items()
print("callee counts references:", cres.target_context.enable_nrt)
"""


def test_uncounted_kernels_count_no_references():
    """No call into Numba's reference counting is left in a kernel compiled without it (the
    same kernel compiled with it has some), and one that would return an array is refused:
    its caller would drop a reference it was never given."""
    env = dict(os.environ, FASTNN_CACHE="0")
    out = subprocess.run([sys.executable, "-c", UNCOUNTED], capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr
    both, compiled_only, *refused, allocation, callee = out.stdout.splitlines()
    assert both.startswith("counted (") and not both.startswith("counted (0, 0)"), both
    assert both.endswith(" uncounted (0, 0)"), both
    assert compiled_only == "compiled-only (0, 0)"
    assert refused == ["refused: True"] * 4
    assert allocation == "allocation refused: TypingError True"
    assert callee == "callee counts references: True"


def test_python_false_with_counted_true_is_an_error():
    from fastnn.kernels._config import reduction

    def kernel(A):
        return A.sum()

    with pytest.raises(ValueError, match="kernel: a kernel only compiled code calls counts no references"):
        reduction(python=False, counted=True)(kernel)


FLAGGED = r"""
import numpy as np
from fastnn.kernels.activations import _row_sums
dZ, db = np.ones((3, 5)), np.zeros((3, 1))
_row_sums(dZ, db)
print(_row_sums.py_func.__qualname__, sum(_row_sums.stats.cache_hits.values()), db.ravel().tolist())
"""


def test_kernels_compiled_without_fastmath_are_cached_apart(tmp_path):
    """``FASTNN_FASTMATH=0`` must never run code a default process cached (reassociated sums),
    nor the other way round: Numba's cache key holds no compile flags, so the kernels take
    another name, hence other cache files. Processes sharing one cache: a default one, then
    two without fastmath (the first compiles, the second loads its own entry), then a default
    one again, which loads the first. Mutation tried: the renaming removed: caught (the
    process without fastmath loaded the default one's kernel)."""
    runs = []
    for fastmath in ("1", "0", "0", "1"):
        env = dict(os.environ, FASTNN_CACHE="1", NUMBA_CACHE_DIR=str(tmp_path), FASTNN_FASTMATH=fastmath)
        out = subprocess.run([sys.executable, "-c", FLAGGED], capture_output=True, text=True, timeout=600, env=env)
        assert out.returncode == 0, out.stderr
        runs.append(out.stdout.split(maxsplit=2))
    names, hits = [r[0] for r in runs], [int(r[1]) for r in runs]
    assert names == ["_row_sums", "_row_sums__exact", "_row_sums__exact", "_row_sums"]
    assert hits == [0, 0, 1, 1], hits
    assert all(r[2].strip() == "[5.0, 5.0, 5.0]" for r in runs)
