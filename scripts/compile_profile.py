"""Where a cold compile's time goes: Numba's compile events and LLVM's phases, one process.

Trains the first model of ``scripts/compile_latency.py`` (``classic``, ``gram`` or
``generic``, the default) in a fresh process with an empty kernel cache, and prints

* the seconds spent in LLVM: optimizing each library's module after its callees are linked
  in, generating its machine code, and the per-function passes before linking (timed by
  wrapping three methods of Numba's code library: a diagnostic, not an API);
* each compiled function's exclusive compile time (its ``numba:compile`` event minus those of
  the functions compiled inside it) and how many signatures it compiled.

The timers and the event recorder add a few seconds of their own, so the total is above the
plain cold time ``compile_latency.py`` reports.

    .venv/bin/python scripts/compile_profile.py [classic|gram|generic]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

CHILD = r"""
import collections, sys, time
from numba.core import codegen, event

llvm = collections.defaultdict(float)


def timed(cls, name, phase):
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            llvm[phase] += time.perf_counter() - start

    setattr(cls, name, wrapper)


timed(codegen.CPUCodeLibrary, "_optimize_final_module", "optimize linked modules")
timed(codegen.JITCodeLibrary, "_finalize_specific", "generate machine code")
timed(codegen.CPUCodeLibrary, "_optimize_functions", "optimize functions before linking")

import numpy as np
import fastnn
from fastnn.datasets import load_planar_dataset

start = time.perf_counter()
with event.install_recorder("numba:compile") as recorder:
    X, Y = load_planar_dataset()
    if sys.argv[1] == "classic":
        fastnn.train(X, Y, [2, 4, 1], hidden_activation="tanh", learning_rate=1.2, num_iterations=10)
    elif sys.argv[1] == "gram":
        rng = np.random.default_rng(0)
        X, Y = rng.random((3000, 60)), (rng.random((1, 60)) < 0.5).astype(float)
        fastnn.train(X, Y, [3000, 20, 7, 5, 1], num_iterations=10, mode="gram")
    else:
        fastnn.train(X, Y, [2, 8, 4, 2], loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01,
                     batch_size=64, l2=0.1, keep_prob=0.9, num_iterations=2)
total = time.perf_counter() - start
stack, own, count = [], collections.defaultdict(float), collections.Counter()
for stamp, ev in recorder.buffer:
    name = ev.data["dispatcher"].py_func.__qualname__ if "dispatcher" in ev.data else "?"
    if ev.is_start:
        stack.append([name, stamp, 0.0])
    else:
        name, began, inner = stack.pop()
        own[name] += stamp - began - inner
        count[name] += 1
        if stack:
            stack[-1][2] += stamp - began
print(f"first model, instrumented: {total:.2f} s")
for phase, seconds in llvm.items():
    print(f"  LLVM, {phase}: {seconds:.2f} s")
print(f"  LLVM in all: {sum(llvm.values()):.2f} s")
print("exclusive compile time, seconds (signatures compiled):")
for name, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:25]:
    print(f"  {seconds:6.2f}  {name} ({count[name]})")
"""


def main() -> None:
    model = sys.argv[1] if len(sys.argv) > 1 else "generic"
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, FASTNN_CACHE="1")
        subprocess.run([sys.executable, "-c", CHILD, model], env=env, check=True)


if __name__ == "__main__":
    main()
