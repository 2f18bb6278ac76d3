"""Training and prediction speed with ``cnnkit.quiet.quiet_tensorflow()`` against a plain start, and
against ``TF_ENABLE_ONEDNN_OPTS=0`` (the other way to hide the oneDNN notice, which costs speed).

    python benchmarks/quiet_speed.py              # seed-001 network, 4096 random 28x28 images
    python benchmarks/quiet_speed.py --rounds 3

Each mode runs in its own process (the set-up must come before TensorFlow loads), the modes take
turns for ``--rounds`` rounds and the best time of each is kept. Exits with 1 when the quiet start is
more than 10% slower than the plain one at training or prediction.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

LIMIT = 1.10
MODES = {"plain": {}, "quiet": {}, "oneDNN off": {"TF_ENABLE_ONEDNN_OPTS": "0"}}

WORKER = r"""
import json, sys, time
if sys.argv[1] == "quiet":
    from cnnkit.quiet import quiet_tensorflow
    quiet_tensorflow()
import keras
import numpy as np

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.random((4096, 28, 28, 1), dtype=np.float32)
y = rng.integers(0, 10, len(x))
L = keras.layers
model = keras.Sequential([keras.Input((28, 28, 1)),
                          L.Conv2D(16, 5, padding="same"), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(),
                          L.Conv2D(32, 5, padding="same"), L.BatchNormalization(), L.ReLU(), L.MaxPooling2D(),
                          L.Flatten(), L.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # trace the graphs before timing
model.predict(x[:256], batch_size=256, verbose=0)
start = time.perf_counter()
model.fit(x, y, batch_size=128, epochs=1, verbose=0)
fit = time.perf_counter() - start
start = time.perf_counter()
model.predict(x, batch_size=256, verbose=0)
predict = time.perf_counter() - start
print(json.dumps({"fit": fit, "predict": predict}))
"""


def _run(mode: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    env.update(MODES[mode])
    out = subprocess.run([sys.executable, "-c", WORKER, "quiet" if mode == "quiet" else "plain"],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="turns per mode; the best is kept")
    args = parser.parse_args(argv)
    best = {mode: {"fit": float("inf"), "predict": float("inf")} for mode in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            for key, seconds in _run(mode).items():
                best[mode][key] = min(best[mode][key], seconds)
    base = best["plain"]
    print(f"{'mode':<12} {'fit s':>8} {'ratio':>6} {'predict s':>10} {'ratio':>6}")
    for mode, t in best.items():
        print(f"{mode:<12} {t['fit']:8.3f} {t['fit'] / base['fit']:6.2f} "
              f"{t['predict']:10.3f} {t['predict'] / base['predict']:6.2f}")
    worst = max(best["quiet"][k] / base[k] for k in base)
    if worst > LIMIT:
        print(f"quiet start is {worst:.2f}x the plain one (limit {LIMIT}x)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
