"""Static reading of a submission's code, by the grader, before and apart from running it.

Two uses. ``from_scratch`` finds an answer that calls what the question says not to use (a numpy
convolution answered with ``tf.nn.conv2d``, a "write it yourself" layer answered with
``keras.layers.SeparableConv2D`` or ``cnnkit.layers``): its tests score zero, with the evidence.
``tampering`` flags for the instructor's review what honest work never needs — IPython hooks, edits
to imported modules, ``sys.modules`` or builtins, ctypes, processes, sockets, reads outside the
notebook's folder, shipped files that would shadow an import. Flags never change a score by themselves.
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass

__all__ = ["Finding", "resolve_imports", "references", "from_scratch", "tampering", "shadowing_files"]


@dataclass(frozen=True)
class Finding:
    cell: str          # grade id of an answer cell, or "own cell N"
    line: int
    what: str          # the dotted name or construct found
    why: str

    def __str__(self) -> str:
        return f"{self.cell}, line {self.line}: `{self.what}` ({self.why})"


#: CPython 3.11's parser is not safe across threads ("AST constructor recursion depth mismatch")
_PARSE_LOCK = threading.Lock()


def _parse(source: str):
    try:
        with _PARSE_LOCK:
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None


def resolve_imports(sources) -> dict[str, str]:
    """Names bound by import statements in ``sources`` → the dotted module path they stand for."""
    aliases: dict[str, str] = {}
    for source in sources:
        tree = _parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    # `import a.b` binds `a`; `import a.b as c` binds c → a.b
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    if a.name != "*":
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _dotted(node) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def references(source: str, aliases: dict[str, str]):
    """(line, dotted path) of every module-rooted name ``source`` uses, resolved through ``aliases``
    plus its own imports; imported modules themselves count too. String imports resolve when literal."""
    tree = _parse(source)
    if tree is None:
        return []
    local = {**aliases, **resolve_imports([source])}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, (ast.Attribute, ast.Name)) and not isinstance(getattr(node, "ctx", None), ast.Store):
            parts = _dotted(node)
            if parts and parts[0] in local:
                found.append((node.lineno, ".".join([local[parts[0]], *parts[1:]])))
        elif isinstance(node, ast.Call):
            parts = _dotted(node.func)
            if parts and parts[-1] in ("__import__", "import_module") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def _covered(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def from_scratch(rule, answers: dict[str, str], provided: list[str]) -> list[Finding]:
    """Uses of ``rule.forbid`` (dotted prefixes) in the answer cells ``rule.answers``; ``provided`` are the
    course's own code cells, whose imports the answers can see."""
    aliases = resolve_imports(provided)
    # A forbidden package's own name stands for that package even where no cell read here imports it:
    # a test cell that ran earlier may have (`import keras` to compute a reference), and the answer can
    # then use `keras.ops.conv` without an import of its own.
    for prefix in rule.forbid:
        aliases.setdefault(prefix.split(".")[0], prefix.split(".")[0])
    findings = []
    for gid in rule.answers:
        seen = set()
        for line, path in references(answers.get(gid, ""), aliases):
            hit = next((p for p in rule.forbid if _covered(path, p)), None)
            if hit and (line, path) not in seen:
                seen.add((line, path))
                findings.append(Finding(gid, line, path, f"the question asks you not to use {hit}"))
    return findings


# What honest notebook work never needs, by dotted prefix (resolved through imports) → why.
_SUSPICIOUS = {
    "IPython": "IPython internals", "ctypes": "raw memory access", "subprocess": "starts processes",
    "os.system": "starts processes", "os.popen": "starts processes", "os.fork": "forks the kernel",
    "os.setsid": "detaches a process", "os.kill": "signals processes", "os.exec": "replaces the process",
    "os.spawn": "starts processes", "multiprocessing": "starts processes", "pty": "starts processes",
    "socket": "network", "urllib": "network", "http": "network", "requests": "network", "ssl": "network",
    "sys.modules": "edits the module table", "sys.meta_path": "edits the import system",
    "sys.path_hooks": "edits the import system", "sys.settrace": "traces other code",
    "sys.setprofile": "traces other code", "builtins": "edits builtins", "gc.get_objects": "walks all objects",
    "gc.get_referrers": "walks all objects", "importlib.reload": "reloads modules",
    "sys._getframe": "reads other frames", "inspect.currentframe": "reads other frames",
    "cnnkit.grading": "reaches into the grader's own code",
}
#: builtins that honest notebook code never calls (matched as plain names)
_SUSPICIOUS_BUILTINS = {
    "get_ipython": "IPython hooks", "__builtins__": "edits builtins", "__import__": "dynamic import",
    "exec": "runs generated code", "eval": "runs generated code", "globals": "edits the namespace",
}
#: IPython hooks (matched as attribute or plain names)
_SUSPICIOUS_HOOKS = {
    "set_custom_exc": "swallows errors", "input_transformers_post": "rewrites later cells",
    "input_transformers_cleanup": "rewrites later cells", "ast_transformers": "rewrites later cells",
    "register_magic_function": "IPython hooks", "run_cell": "IPython hooks", "showtraceback": "IPython hooks",
}


def tampering(cells: dict[str, str], provided: list[str]) -> list[Finding]:
    """Suspicious constructs in the student's code ``cells`` (label → source)."""
    aliases = resolve_imports(provided)
    findings = []
    for label, source in cells.items():
        tree = _parse(source)
        if tree is None:
            continue
        local = {**aliases, **resolve_imports([source])}
        for line, path in references(source, aliases):
            hit = next((p for p in _SUSPICIOUS if _covered(path, p)), None)
            if hit:
                findings.append(Finding(label, line, path, _SUSPICIOUS[hit]))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in {**_SUSPICIOUS_BUILTINS, **_SUSPICIOUS_HOOKS}:
                findings.append(Finding(label, node.lineno, node.id,
                                        {**_SUSPICIOUS_BUILTINS, **_SUSPICIOUS_HOOKS}[node.id]))
            elif isinstance(node, ast.Attribute) and node.attr in _SUSPICIOUS_HOOKS:
                findings.append(Finding(label, node.lineno, node.attr, _SUSPICIOUS_HOOKS[node.attr]))
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for target in targets:
                    parts = _dotted(target) if isinstance(target, ast.Attribute) else None
                    if parts and parts[0] in local:
                        findings.append(Finding(label, node.lineno, ".".join([local[parts[0]], *parts[1:]]),
                                                "assigns into an imported module"))
            if isinstance(node, ast.Call):
                parts = _dotted(node.func)
                if parts and parts[-1] in ("setattr", "delattr") and node.args:
                    base = _dotted(node.args[0])
                    if base and base[0] in local:
                        findings.append(Finding(label, node.lineno, f"{parts[-1]}({'.'.join(base)}, ...)",
                                                "changes an imported module"))
                if parts and parts[-1] in ("open", "listdir", "scandir", "walk", "glob", "Path", "rmtree",
                                           "remove", "unlink", "rmdir") and node.args:
                    arg = node.args[0]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and (
                            arg.value.startswith(("/", "~")) or ".." in arg.value.split("/")):
                        findings.append(Finding(label, node.lineno, f"{parts[-1]}({arg.value!r})",
                                                "reaches outside the notebook's folder"))
    unique, seen = [], set()
    for f in findings:
        if (f.cell, f.line, f.what) not in seen:
            seen.add((f.cell, f.line, f.what))
            unique.append(f)
    return unique


def shadowing_files(names) -> list[str]:
    """Handed-in files that would shadow an import if they were importable (modules, packages, .pth)."""
    out = []
    for name in names:
        parts = name.split("/")
        if name.endswith((".py", ".pth", ".so", ".pyc")) or "__init__.py" in parts:
            out.append(name)
    return out
