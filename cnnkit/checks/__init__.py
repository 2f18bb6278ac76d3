"""What notebooks call: checks that teach, architecture diffs, value probes, trained-model loading.

``check_*`` raise a :class:`GradingError` (an ``AssertionError``) whose message says what was
expected, what was found and why; ``compare_architecture`` diffs a model against a reference
layer by layer; ``fit_or_load`` trains in the student's run and loads the submitted file while the
notebook is graded; ``config()`` reads the assignment's ``assignment.toml`` (recipe, hand-in files).
Needs neither nbgrader nor the grading engine: this is the part of cnnkit students install.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "GradingError": "messages", "fmt_shape": "messages", "fmt_count": "messages", "explain": "messages",
    "check_output_shape": "core", "check_param_count": "core", "check_array": "core",
    "check_architecture": "core", "check_accuracy": "core", "evaluate_accuracy": "core",
    "check_value": "core", "check_built_from": "core", "Check": "core",
    "compare_architecture": "compare", "ArchitectureReport": "compare", "layer_specs": "compare",
    "param_formula": "compare", "shape_formula": "compare",
    "fixed_input": "probes", "fixed_weights": "probes", "probe": "probes", "compare_probes": "probes",
    "fit_or_load": "trained", "load_submitted": "trained", "load_status": "trained",
    "is_autograding": "trained", "handin_only": "trained", "LoadStatus": "trained",
    "ready": "setup",
    "config": "assignment", "load_config": "assignment", "AssignmentConfig": "assignment",
    "ConfigError": "assignment", "seed": "assignment",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = [*_LAZY]
