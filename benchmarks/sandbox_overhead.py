"""What the bubblewrap sandbox costs: kernel start-up and a small notebook, with and without it.

    python benchmarks/sandbox_overhead.py               # 5 rounds
    python benchmarks/sandbox_overhead.py --repeat 9

Both sides run the same kernel command, the same client (IPC sockets, output caps, watchdog)
and the same notebook; the only difference is ``bwrap``. Rounds alternate the two, and the
median of each is reported with the ratio sandboxed / plain. Exits 1 if the notebook ratio is
over 1.5 (the sandbox should cost a fraction of a second, not a multiple of the run).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nbformat.v4 import new_code_cell, new_notebook

from cnnkit.grading.sandbox.execute import execute_notebook
from cnnkit.grading.sandbox.kernel import SandboxedKernelManager
from cnnkit.grading.sandbox.policy import SandboxPolicy
from cnnkit.grading.sandbox.support import probe

LIMIT = 1.5

NOTEBOOK = [
    "import numpy as np\nimport matplotlib.pyplot as plt",
    "x = np.random.default_rng(0).normal(size=(200, 200))\nprint(np.linalg.svd(x, compute_uv=False)[:3])",
    "plt.plot(x[0]); plt.savefig('plot.png'); plt.close()",
    "print(sum(i * i for i in range(200_000)))",
]


async def _kernel_ready(policy: SandboxPolicy, sandbox: bool) -> float:
    """Seconds from launch to the first kernel_info reply."""
    km = SandboxedKernelManager(policy, sandbox=sandbox)
    start = time.perf_counter()
    try:
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=60)
        elapsed = time.perf_counter() - start
        kc.stop_channels()
    finally:
        await km.shutdown_kernel(now=True)
        km.remove_run_dir()
    return elapsed


def _notebook(policy: SandboxPolicy, sandbox: bool) -> float:
    nb = new_notebook(cells=[new_code_cell(src) for src in NOTEBOOK])
    result = execute_notebook(nb, policy, cell_timeout=120, sandbox=sandbox)
    if result.stopped is not None or any(o.output_type == "error" for c in nb.cells for o in c.outputs):
        raise SystemExit(f"the benchmark notebook failed: {result.stopped} {nb.cells}")
    return result.seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    support = probe()
    if not support.ok:
        print(support.message())
        return 2
    times = {(what, sandbox): [] for what in ("kernel", "notebook") for sandbox in (False, True)}
    with tempfile.TemporaryDirectory() as work:
        policy = SandboxPolicy(workdir=Path(work))
        _notebook(policy, True)  # warm the file cache for both sides
        for _ in range(args.repeat):
            for sandbox in (False, True):
                times["kernel", sandbox].append(asyncio.run(_kernel_ready(policy, sandbox)))
                times["notebook", sandbox].append(_notebook(policy, sandbox))
    print(f"bubblewrap {'.'.join(map(str, support.version))}, median of {args.repeat} rounds")
    ratios = {}
    for what in ("kernel", "notebook"):
        plain, boxed = (statistics.median(times[what, s]) for s in (False, True))
        ratios[what] = boxed / plain
        label = "kernel ready" if what == "kernel" else "small notebook (start to shutdown)"
        print(f"{label:36s} plain {plain:6.3f} s   sandboxed {boxed:6.3f} s   ratio {ratios[what]:.2f}")
    return 0 if ratios["notebook"] <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
