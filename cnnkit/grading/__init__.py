"""The checks students and tests call, grading trained models without retraining, thresholds.

``check_*`` raise a :class:`GradingError` (an ``AssertionError``) whose message says what was
expected, what was found and why; ``compare_architecture`` diffs a model against a reference
layer by layer; ``fit_or_load`` trains in the student's run and loads the submitted file when
nbgrader autogrades; ``thresholds.threshold(name)`` gives the calibrated pass mark.
``grade_class`` / ``instructor_flow`` grade a whole class with nbgrader in parallel workers.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "GradingError": "messages", "fmt_shape": "messages", "fmt_count": "messages",
    "check_output_shape": "checks", "check_param_count": "checks", "check_array": "checks",
    "check_architecture": "checks", "check_accuracy": "checks", "evaluate_accuracy": "checks",
    "Check": "checks",
    "compare_architecture": "compare", "ArchitectureReport": "compare", "layer_specs": "compare",
    "param_formula": "compare", "shape_formula": "compare",
    "fixed_input": "probes", "fixed_weights": "probes", "probe": "probes", "compare_probes": "probes",
    "fit_or_load": "trained", "load_submitted": "trained", "load_status": "trained",
    "is_autograding": "trained", "LoadStatus": "trained",
    "grade_class": "batch", "BatchResult": "batch", "Limits": "limits",
    "instructor_flow": "pipeline", "demo_flow": "pipeline",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = [*_LAZY]
