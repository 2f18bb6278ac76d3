"""The watchdog's view of a sandbox's process tree: every descendant, its memory, without scanning the machine."""

import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from cnnkit.grading.sandbox import procs

# A parent whose children come from its main thread and from another thread (Linux lists a process's
# children per thread), one of them with a child of its own holding 64 MB.
TREE = textwrap.dedent("""
    import subprocess, sys, threading, time
    sleep = [sys.executable, "-c", "import time; time.sleep(60)"]
    hog = [sys.executable, "-c", "import subprocess, sys, time; x = b'x' * (64 * 2**20); "
           "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"]
    kids = [subprocess.Popen(sleep)]
    def start_hog():  # the thread lives on: its children are listed under it, not under the main thread
        kids.append(subprocess.Popen(hog))
        time.sleep(60)
    threading.Thread(target=start_hog, daemon=True).start()
    print("ready", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def tree():
    root = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE, text=True)
    assert root.stdout.readline().strip() == "ready"
    proc = psutil.Process(root.pid)
    deadline = time.monotonic() + 20
    while len(proc.children(recursive=True)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    yield proc
    procs.kill_tree(proc)
    root.wait(timeout=10)


def test_tree_usage_counts_every_descendant_and_their_memory(tree):
    rss, count = procs.tree_usage(tree)
    # root, its two children (one started from a second thread) and the grandchild
    assert count == 4
    assert rss >= 64 * 2**20
    # the same answer as psutil's scan of every process on the machine
    psutil_rss, psutil_count = procs._usage_by_psutil(tree)
    assert count == psutil_count
    assert abs(rss - psutil_rss) < 8 * 2**20


def test_tree_usage_of_a_finished_process_is_empty():
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    proc = psutil.Process(done.pid)
    done.wait()
    assert procs.tree_usage(proc) == (0, 0)
