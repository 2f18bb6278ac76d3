"""The grading kernel's restore before each test: modules from the notebook's folder are still dropped, and the
files of the preloaded modules are not resolved again for every test (thousands of lstat calls each time), nor
in every kernel the fork server forks (which runs the kernel module afresh as ``__main__``)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a process of its own: restore() resets builtins, sys.path and sys.modules. Like the fork server, it
# preloads and resolves once, then runs the kernel module afresh (runpy) as a forked kernel does.
SCRIPT = textwrap.dedent("""
    import json, os, runpy, sys
    from unittest import mock
    from cnnkit.grading import kernel, module_files
    kernel.preload()
    module_files.remember_imported()
    resolved, realpath = [], os.path.realpath
    def counting(path, *args, **kwargs):
        resolved.append(path)
        return realpath(path, *args, **kwargs)
    with mock.patch("os.path.realpath", counting):
        forked = runpy.run_module("cnnkit.grading.kernel", run_name="forked_kernel")
        forked["preload"]()
        preload = list(resolved)
        snap = forked["_Snapshot"]()
        resolved.clear()
        snap.restore()
        first = list(resolved)
        with open("answer_helpers.py", "w") as f:
            f.write("X = 1\\n")
        sys.path.insert(0, os.getcwd())
        import answer_helpers
        resolved.clear()
        snap.restore()
        second = list(resolved)
        resolved.clear()
        snap.restore()
    print(json.dumps({"modules": len(sys.modules), "preload": preload, "first": first, "second": second,
                      "third": resolved, "dropped": "answer_helpers" not in sys.modules}))
""")


def test_restore_resolves_each_module_file_once_and_still_drops_the_notebook_folders_modules(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    cwd = os.path.realpath(tmp_path)
    assert seen["modules"] > 300  # numpy and cnnkit's checks: every one of them would be resolved without the memo
    assert seen["preload"] == []  # the forked kernel's preload found every answer inherited
    assert seen["first"] == [cwd]  # the working folder only
    assert seen["second"] == [cwd, os.path.join(cwd, "answer_helpers.py")]  # the new module, once
    assert seen["dropped"], "a module imported from the notebook's folder must not survive into a test"
    assert seen["third"] == [cwd]
