"""Time to build each zoo model and to ``summarize`` it, next to Keras building the matching
``keras.applications`` model in the same run.

    python benchmarks/build_models.py                 # every registered model
    python benchmarks/build_models.py ResNet152 VGG16 --repeat 3

The ratio is (cnnkit build + summarize) / keras.applications build. Building and summarising
ResNet152 should stay within 1.5x of Keras building it; the script exits with 1 when it does not.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LIMIT = ("ResNet152", 1.5)


def _best_of(repeat, fn):
    """Smallest wall time of ``repeat`` calls (the least disturbed by other processes), last result."""
    import keras

    best, result = float("inf"), None
    for _ in range(repeat):
        keras.backend.clear_session()
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure(name, repeat=1):
    """Seconds to build ``name``, to summarize it, and to build its keras.applications twin (or None)."""
    import keras

    from cnnkit.analysis import summarize
    from cnnkit.models import registry

    info = registry.info(name)
    build_s, model = _best_of(repeat, info.builder())
    summary_s = min(_timed(lambda: summarize(model)) for _ in range(repeat))
    del model
    keras_s = None
    twin = info.facts.get("keras_application")
    if twin:
        keras_s, _ = _best_of(repeat, lambda: getattr(keras.applications, twin)(weights=None))
    keras.backend.clear_session()
    gc.collect()
    return build_s, summary_s, keras_s


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="registered model names (default: all)")
    parser.add_argument("--repeat", type=int, default=2, help="take the best of N runs (default 2)")
    args = parser.parse_args(argv)

    from cnnkit.models import registry

    names = args.names or registry.names()
    registry.get("SimpleCNN")  # warm-up: TensorFlow's one-off start-up is nobody's build time
    print(f"{'model':14s} {'build s':>8s} {'summarize s':>12s} {'keras build s':>14s} {'ratio':>6s}")
    ratios = {}
    for name in names:
        try:
            build_s, summary_s, keras_s = measure(name, args.repeat)
        except ImportError as exc:  # a zoo module still being written
            print(f"{name:14s} skipped: {exc}")
            continue
        ratio = (build_s + summary_s) / keras_s if keras_s else None
        ratios[registry.info(name).name] = ratio
        print(f"{name:14s} {build_s:8.2f} {summary_s:12.2f} "
              f"{'-' if keras_s is None else f'{keras_s:14.2f}':>14s} "
              f"{'-' if ratio is None else f'{ratio:6.2f}':>6s}", flush=True)
    target, limit = LIMIT
    if ratios.get(target) is not None:
        ok = ratios[target] <= limit
        print(f"\n{target}: build + summarize = {ratios[target]:.2f}x keras.applications "
              f"({'within' if ok else 'OVER'} the {limit}x budget)")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
