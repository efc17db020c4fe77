"""The generic loop compiles only the activation, head and optimizer a run uses.

:mod:`fastnn.kernels.ops` hands the loop pointers to one kernel per activation, head and
optimizer, each a dispatching function inlined with its code a constant, so that Numba prunes
the other codes' branches before typing them. A regression (a dispatcher no longer inlined,
a code read at run time again) compiles every activation's and head's kernels into every
run, seconds of a cold start, with every result unchanged: only this test sees it.

In a fresh process with an empty kernel cache (a kernel loaded from the cache brings none of
its callees, and a run would then prove nothing), one softmax run with tanh, Adam, dropout
and mini-batches; then the kernels of the other activations and heads must hold no compiled
signature, and the kernels made for the loop are the run's own.

Mutations tried, each caught: ``_forward_hidden`` or ``_backward_hidden`` compiled on its
own instead of inlined (each then compiles every activation's passes); the head's code, or the
activation's, made a value computed at run time inside its kernel in ``ops`` (no pruning).
Not covered: the optimizer's step, whose other loops leave no kernel behind when compiled
(they are inlined code); its pruning shows only in the compile time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastnn.kernels import ops
from fastnn.kernels._config import function_pointer

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import json
import numpy as np
import fastnn
from fastnn.kernels import activations, heads, ops, products

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 150))
labels = (X[0] > X[1]).astype(int)[None, :]
fastnn.train(X, labels, [2, 6, 4, 2], hidden_activation="tanh", loss="categorical_crossentropy", optimizer="adam",
             batch_size=32, keep_prob=0.9, num_iterations=2, backend="numba")
leaves = {
    name: len(getattr(module, name).overloads)
    for module, names in (
        (activations, ["_bias_sigmoid_train", "_bias_tanh_train", "_bias_relu_train", "_bias_leaky_relu_train",
                       "_bias_add", "_scale_dz_db", "_leaky_relu_dz_db", "_relu_dz_db"]),
        (heads, ["_sigmoid_bce", "_identity_se", "_exp_poisson", "_softmax_cce"]),
        (products, ["_relu_forward_product", "_relu_backward_product"]),
    )
    for name in names
}
made = sorted(f"{kind}:{code}" for (kind, code), kernel in ops.KERNELS.items() if kernel.overloads)
print(json.dumps({"leaves": leaves, "made": made}))
"""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing is compiled without the JIT")
def test_a_run_compiles_only_its_own_kernels(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), FASTNN_CACHE="1", PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    # tanh's forward pass, and its backward one after the dropout mask; the softmax head
    used = {"_bias_tanh_train", "_scale_dz_db", "_softmax_cce"}
    for name, count in found["leaves"].items():
        if name in used:
            assert count == 1, f"{name}: {count} signatures, expected the run's one"
        else:
            assert count == 0, f"{name} was compiled by a run that never calls it"
    from fastnn.kernels.activations import ACT_CODES
    from fastnn.kernels.heads import HEAD_CODES
    from fastnn.kernels.optimizers import OPTIMIZER_CODES

    tanh, cce, adam = ACT_CODES["tanh"], HEAD_CODES["categorical_crossentropy"], OPTIMIZER_CODES["adam"]
    expected = {f"forward:{tanh}", f"backward:{tanh}", "activate:-1", f"derive:{tanh}", f"head:{cce}"}
    assert set(found["made"]) == expected | {f"step:{adam}", "gram_step:-1"}


CACHED = r"""
import sys
import numpy as np
import fastnn

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 150))
Y = (X[0] > X[1]).astype(float)[None, :]
for act in sys.argv[1:]:
    kw = dict(hidden_activation=act, optimizer="adam", learning_rate=0.01, num_iterations=5)
    ref = fastnn.train(X, Y, [2, 6, 1], backend="numpy", **kw).costs
    got = fastnn.train(X, Y, [2, 6, 1], backend="numba", **kw).costs
    np.testing.assert_allclose(got, ref, rtol=1e-12, err_msg=act)
"""


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing is compiled without the JIT")
def test_kernels_cached_by_different_processes_stay_apart(tmp_path):
    """Processes sharing one disk cache, each compiling the kernels of its own activation: a
    later process that loads one activation's kernels and compiles another's must still call
    each its own. Numba names a compiled function after its qualified name and a counter that
    starts afresh in every process, so two closures of one factory, compiled in two processes,
    came back under one name; a kernel linked into its callers (the products'
    ``_product_kernel`` closures) is bound by that name, and a run called the other's code
    until each closure got a name of its own (the relu run trained with tanh's forward
    product, costs 0.69, 0.75, ... against 0.90, 0.86, ...). Each run is checked against the
    numpy backend. The kernels of ``ops``, called through their own addresses, are not bound
    by name today; their names are checked apart (below). Mutation tried: the products'
    ``named`` call removed: caught (removing the one in ``ops`` is not, for that reason)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), FASTNN_CACHE="1", PYTHONPATH=str(REPO))
    for acts in (["tanh"], ["relu"], ["relu", "tanh"], ["leaky_relu", "sigmoid", "relu"]):
        out = subprocess.run(
            [sys.executable, "-c", CACHED, *acts], env=env, capture_output=True, text=True, timeout=600
        )
        assert out.returncode == 0, f"{acts}: {out.stderr[-3000:]}"


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="no dispatchers without the JIT")
def test_every_closure_kernel_has_a_name_of_its_own():
    """Each kernel a factory makes (the products', and one per kind and name in ``ops``) is
    compiled under a name no other has: the disk cache and the linker tell kernels apart by
    name (see the test above). Mutation tried: either ``named`` call removed: caught."""
    from fastnn.kernels import products
    from fastnn.kernels.gram import LINEAR_OPTIMIZERS
    from fastnn.spec import HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS

    kernels = [products._plain_product, products._relu_forward_product, products._relu_backward_product]
    for kinds, names in (
        (("forward", "backward", "activate", "derive"), HIDDEN_ACTIVATIONS),
        (("head",), LOSSES),
        (("step",), OPTIMIZERS),
        (("gram_step",), LINEAR_OPTIMIZERS),
    ):
        kernels += [
            ops._kernel(kind, name) for kind in kinds for name in [*names, None] if name or kind in ops._NOTHING
        ]
    names = [kernel.py_func.__qualname__ for kernel in kernels]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="no pointers without the JIT")
def test_pointer_of_another_return_type_is_refused():
    from numba import types

    wrong = types.float64(*ops.signatures(np.float64)["step"].args)  # the step returns nothing
    with pytest.raises(TypeError, match="returns none, not float64"):
        function_pointer(ops._kernel("step", "gd"), wrong)


def test_every_slot_has_a_signature_and_a_kernel_per_name():
    from fastnn.spec import HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS

    for dtype in (np.float32, np.float64):
        assert set(ops.signatures(dtype)) == set(ops.Ops._fields)
    for names, kinds in (
        (HIDDEN_ACTIVATIONS, ("forward", "backward", "activate", "derive")),
        (LOSSES, ("head",)),
        (OPTIMIZERS, ("step",)),
    ):
        for kind in kinds:
            assert len({id(ops._kernel(kind, name)) for name in names}) == len(names)


def test_the_loop_gets_addresses_not_function_objects():
    """``Hyper.ops`` holds plain integers (under ``NUMBA_DISABLE_JIT``, the Python functions):
    a Numba function object in their place would be converted at every call of the compiled
    loop from Python, about 12 µs a slot (a tiny trainer's one-epoch ``run`` took 90 µs
    against 5 µs), which early stopping, L-BFGS and Dask pay per epoch, evaluation or
    partition."""
    from fastnn.kernels.training import EpochTrainer
    from fastnn.reference import initialize_parameters
    from fastnn.spec import TrainingSpec

    X, Y = np.zeros((2, 4)), np.zeros((1, 4))
    spec = TrainingSpec((2, 3, 1), "relu", "binary_crossentropy", "adam", 0.1)
    trainer = EpochTrainer(X, Y, initialize_parameters([2, 3, 1], "he", 1, np.float64), spec)
    jit = os.environ.get("NUMBA_DISABLE_JIT") != "1"
    assert all(isinstance(value, int) if jit else callable(value) for value in trainer.hyper.ops)
