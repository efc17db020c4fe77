"""Time to the first trained model, with a cold and with a warm kernel cache.

Each measurement is a fresh Python process (so nothing is compiled in memory) that imports
fastnn and trains on the numba backend the course's planar model for 10 iterations (the
classic engine), a network of the cat model's shape (more features than examples: Gram mode of
the classic engine, the course's L-layer model) for 10, or a softmax network with Adam,
mini-batches, L2 and dropout for 2 epochs (the generic loop), or fits ``fastnn.sklearn``'s
``MLPClassifier`` for 2 epochs on the planar data (the estimators' loop; needs the ``sklearn``
extra), and also times
``fastnn.warmup()`` (every kernel, both dtypes). The cold runs use an empty
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
import json, sys, time
t0 = time.perf_counter()
import fastnn
from fastnn.datasets import load_planar_dataset
X, Y = load_planar_dataset()
if sys.argv[1] == "classic":
    fastnn.train(X, Y, [2, 4, 1], hidden_activation="tanh", learning_rate=1.2, num_iterations=10, backend="numba")
elif sys.argv[1] == "gram":  # the cat model's shape: more features than examples
    import numpy as np
    rng = np.random.default_rng(0)
    X, Y = rng.random((3000, 60)), (rng.random((1, 60)) < 0.5).astype(float)
    fastnn.train(X, Y, [3000, 20, 7, 5, 1], num_iterations=10, backend="numba", mode="gram")
elif sys.argv[1] == "estimator":  # scikit-learn's defaults but the layers: Adam, batch "auto"
    from fastnn.sklearn import MLPClassifier
    MLPClassifier((5, 2), max_iter=2).fit(X.T, Y.ravel())
else:
    fastnn.train(X, Y, [2, 8, 4, 2], loss="categorical_crossentropy", optimizer="adam", learning_rate=0.01,
                 batch_size=64, l2=0.1, keep_prob=0.9, num_iterations=2, backend="numba")
first = time.perf_counter() - t0
print(json.dumps({"first_model": first, "warmup_all": fastnn.warmup()}))
"""

MODELS = {
    "classic": "planar [2, 4, 1], 10 it. (classic engine)",
    "gram": "cat-shaped [3000, 20, 7, 5, 1], 60 examples, 10 it. (classic engine, Gram mode)",
    "generic": "softmax, Adam, batch 64, L2, dropout (generic loop)",
    "estimator": "fastnn.sklearn.MLPClassifier((5, 2)).fit, 2 epochs (estimators' loop)",
}


def measure(cache_dir: str, model: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, FASTNN_CACHE="1")
    out = subprocess.run([sys.executable, "-c", CHILD, model], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print("| first model | cache | import + first trained model | fastnn.warmup() (everything, both dtypes) |")
    print("|---|---|---:|---:|")
    for model, label in MODELS.items():
        with tempfile.TemporaryDirectory() as cache:
            cold = measure(cache, model)
            warm = [measure(cache, model) for _ in range(3)]
        best = min(w["first_model"] for w in warm)
        print(f"| {label} | cold (empty NUMBA_CACHE_DIR) | {cold['first_model']:.2f} s | {cold['warmup_all']:.2f} s |")
        print(f"| {label} | warm (best of 3) | {best:.2f} s | {min(w['warmup_all'] for w in warm):.2f} s |", flush=True)


if __name__ == "__main__":
    main()
