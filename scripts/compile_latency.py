"""Time to the first trained model, with a cold and with a warm kernel cache.

Each measurement is a fresh Python process (so nothing is compiled in memory) that imports
fastnn and trains the course's planar model for 10 iterations on the numba backend, and
also times ``fastnn.warmup()`` (every kernel, both dtypes). The cold runs use an empty
``NUMBA_CACHE_DIR``; the warm runs reuse the cache the cold run filled.

    .venv/bin/python scripts/compile_latency.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, time
t0 = time.perf_counter()
import fastnn
from fastnn.datasets import load_planar_dataset
X, Y = load_planar_dataset()
fastnn.train(X, Y, [2, 4, 1], hidden_activation="tanh", learning_rate=1.2, num_iterations=10, backend="numba")
first = time.perf_counter() - t0
print(json.dumps({"first_model": first, "warmup_all": fastnn.warmup()}))
"""


def measure(cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, FASTNN_CACHE="1")
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        cold = measure(cache)
        warm = [measure(cache) for _ in range(3)]
    best_warm = min(w["first_model"] for w in warm)
    print("| cache | import + first trained model | fastnn.warmup() (everything, both dtypes) |")
    print("|---|---:|---:|")
    print(f"| cold (empty NUMBA_CACHE_DIR) | {cold['first_model']:.2f} s | {cold['warmup_all']:.2f} s |")
    print(f"| warm (best of 3) | {best_warm:.2f} s | {min(w['warmup_all'] for w in warm):.2f} s |")


if __name__ == "__main__":
    main()
