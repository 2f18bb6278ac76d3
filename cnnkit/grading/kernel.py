"""The grading kernel: ipykernel, with the course's test cells run on a path student code cannot bend.

The grader (outside the sandbox) tells the kernel which cells are the course's own through each
request's cell id (``prepare.TEST_ID_PREFIX`` / ``PROVIDED_ID_PREFIX``). A test cell is compiled and
run directly — no IPython input or AST transformers, no custom exception handler, no event hooks —
after putting back what a student cell could have changed: builtins, ``sys.path`` (without the
working folder, so files written there cannot shadow an import), the import system, the cnnkit,
numpy and math modules (attributes and function code), ``sys.stdout``/``sys.stderr``, and every
name the course's own cells defined (``np``, ``check_array``...). Warnings are silenced in tests, so
a library's warning never costs a student the points (nbgrader zeroes a cell with stderr output).

This raises the bar; it is not a proof: code in the same process can always do more. What remains
possible is what the grader's static scan flags for review and what the referee measures outside.

    python -m cnnkit.grading.kernel -f CONNECTION_FILE
"""

from __future__ import annotations

import ast
import builtins
import os
import sys
import traceback
import types
import warnings

from ipykernel.ipkernel import IPythonKernel

from cnnkit.grading.cell_ids import PROVIDED_ID_PREFIX, TEST_ID_PREFIX
from cnnkit.grading.module_files import real_path, remember_imported

#: modules whose attributes and function code are restored before every test
PROTECTED_MODULES = ("cnnkit", "numpy", "math")
PRELOAD_ENV = "CNNKIT_KERNEL_PRELOAD"
#: imported before any student code, so the snapshot of them is pristine
ALWAYS_PRELOAD = ("math", "numpy", "cnnkit.checks.messages", "cnnkit.checks.core", "cnnkit.checks.compare",
                  "cnnkit.checks.probes", "cnnkit.checks.trained", "cnnkit.checks.assignment")


def _protected(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in PROTECTED_MODULES) \
        and not name.startswith(("numpy.random", "cnnkit.grading"))


class _Snapshot:
    """Module dicts and function code as they were before any student code ran."""

    def __init__(self):
        self.builtins = dict(vars(builtins))
        self.path = [p for p in sys.path if p not in ("", os.getcwd())]
        self.meta_path = list(sys.meta_path)
        self.path_hooks = list(sys.path_hooks)
        self.stdout, self.stderr = sys.stdout, sys.stderr
        self.modules: dict[str, types.ModuleType] = {}
        self.dicts: dict[str, dict] = {}
        self.code: dict[int, tuple] = {}
        self.take()

    def take(self) -> None:
        """Record protected modules imported since the last call (e.g. by the course's set-up cell)."""
        for name, module in list(sys.modules.items()):
            if module is None or name in self.modules or not _protected(name):
                continue
            self.modules[name] = module
            self.dicts[name] = dict(vars(module))
            for value in list(vars(module).values()):
                if isinstance(value, types.FunctionType):
                    self.code.setdefault(id(value), (value, value.__code__, value.__defaults__,
                                                     value.__kwdefaults__))

    def restore(self) -> None:
        _restore_dict(vars(builtins), self.builtins, drop_added=True)
        sys.path[:] = self.path
        sys.meta_path[:] = self.meta_path
        sys.path_hooks[:] = self.path_hooks
        sys.path_importer_cache.clear()
        sys.stdout, sys.stderr = self.stdout, self.stderr
        cwd = os.path.realpath(os.getcwd())
        for name, module in list(sys.modules.items()):
            origin = getattr(module, "__file__", None) or ""
            if origin and real_path(origin).startswith(cwd + os.sep):
                del sys.modules[name]  # a module the notebook's own folder provided: never for tests
        for name, module in self.modules.items():
            sys.modules[name] = module
            _restore_dict(vars(module), self.dicts[name])
        for function, code, defaults, kwdefaults in self.code.values():
            function.__code__, function.__defaults__, function.__kwdefaults__ = code, defaults, kwdefaults


def _restore_dict(current: dict, saved: dict, *, drop_added: bool = False) -> None:
    """Put back every value ``saved`` had, key by key (never emptying ``current``: other threads read it
    meanwhile). Keys added since stay unless ``drop_added`` (a module's lazily imported submodules and
    caches are added too, and deleting them breaks the module)."""
    if drop_added:
        for key in [k for k in current if k not in saved]:
            del current[key]
    for key, value in saved.items():
        if current.get(key, _MISSING) is not value:
            current[key] = value


_MISSING = object()


def _bound_names(source: str) -> set[str]:
    """Names a cell binds at top level (imports, assignments, defs)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


class GradingKernel(IPythonKernel):
    """IPythonKernel that runs the course's test cells on the hardened path (see the module docstring)."""

    implementation = "cnnkit-grading"

    @property
    def kernel_info(self):
        info = dict(super().kernel_info)
        info["cnnkit"] = {"preload_seconds": round(_PRELOAD_SECONDS, 3)}
        return info

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._snapshot = _Snapshot()
        self._course_names: dict[str, object] = {}

    async def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False,
                         *, cell_meta=None, cell_id=None, **kwargs):
        cell_id = cell_id or (cell_meta or {}).get("cellId") or ""
        if cell_id.startswith(TEST_ID_PREFIX):
            return self._run_test(code)
        reply = await super().do_execute(code, silent, store_history, user_expressions, allow_stdin,
                                         cell_meta=cell_meta, cell_id=cell_id, **kwargs)
        if cell_id.startswith(PROVIDED_ID_PREFIX):
            # what the course's own cell defined is what the tests will see, whatever a student cell rebinds
            self._snapshot.take()
            ns = self.shell.user_ns
            self._course_names.update({n: ns[n] for n in _bound_names(code) if n in ns})
        return reply

    def _run_test(self, code: str) -> dict:
        self._snapshot.restore()
        ns = self.shell.user_ns
        ns.update(self._course_names)
        self.execution_count += 0  # the count was advanced by execute_request
        status = "ok"
        try:
            compiled = compile(code, "<test>", "exec", dont_inherit=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compiled, ns)
        except BaseException as exc:  # noqa: BLE001 — every failure of a test (an interrupt too) is its zero
            status = "error"
            self._send_error(exc)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.path.insert(0, "")  # the student's own cells see their folder again
        reply = {"status": status, "execution_count": self.execution_count}
        if status == "error":
            reply.update(ename=self._last_error[0], evalue=self._last_error[1], traceback=self._last_error[2])
        else:
            reply.update(payload=[], user_expressions={})
        return reply

    def _send_error(self, exc: BaseException) -> None:
        ename = type(exc).__name__
        evalue = str(exc)
        if isinstance(exc, SystemExit):
            evalue = f"the test was stopped by sys.exit({exc.code!r}) — it scores 0"
        elif isinstance(exc, KeyboardInterrupt):
            evalue = "interrupted: the test ran over its time budget (is an answer stuck in a loop?)"
        # the frames inside the test are the course's (hidden) code: report the message, not the lines
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != "<test>"]
        where = f" (in {frames[-1].name}, {os.path.basename(frames[-1].filename)})" if frames else ""
        tb = [f"{ename}: {evalue}{where if not isinstance(exc, AssertionError) else ''}"]
        self._last_error = (ename, evalue, tb)
        self.session.send(self.iopub_socket, "error", {"ename": ename, "evalue": evalue, "traceback": tb},
                          parent=self.get_parent("shell"), ident=self._topic("error"))


_PRELOAD_SECONDS = 0.0


def preload() -> None:
    """Import the protected modules, and what the grader asks for (``CNNKIT_KERNEL_PRELOAD=keras``),
    before any student code runs (a kernel forked from the fork server finds them imported already)."""
    import importlib

    for name in ALWAYS_PRELOAD:
        importlib.import_module(name)
    names = [n.strip() for n in os.environ.get(PRELOAD_ENV, "").split(",") if n.strip()]
    if any(n in ("keras", "tensorflow") for n in names):
        try:
            from cnnkit.quiet import quiet_tensorflow

            quiet_tensorflow()
        except ImportError:
            pass
    for name in names:
        try:
            __import__(name)
        except ImportError:
            pass
    remember_imported()


def main() -> None:
    import time

    from ipykernel.kernelapp import IPKernelApp

    from cnnkit.grading.sandbox.ipkernel import MAX_MESSAGE_ENV, install_output_cap

    cap = int(os.environ.get(MAX_MESSAGE_ENV, "0") or 0)
    if cap > 0:
        install_output_cap(cap)  # a 200 MB print becomes a truncated message, not a stopped run
    if sys.path and sys.path[0] in ("", os.getcwd()):  # the kernel's working folder is not code
        del sys.path[0]
    global _PRELOAD_SECONDS
    start = time.monotonic()
    preload()
    _PRELOAD_SECONDS = time.monotonic() - start
    IPKernelApp.launch_instance(kernel_class=GradingKernel)


if __name__ == "__main__":
    main()
