"""Training essentials: seeding, compile/fit with course defaults, the fast recipe, JSON history, test-set
metrics, the demo, and training under tf.distribute (``fit_distributed``: several GPUs or machines, TensorFlow only).

Imported lazily so ``import cnnkit.train`` does not load TensorFlow.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "set_seed": "seed",
    "compile_classifier": "training",
    "fit": "training",
    "Recipe": "recipe",
    "fit_with_recipe": "recipe",
    "recompile_with_recipe": "recipe",
    "recalibrate_batchnorm": "precise_bn",
    "PreciseBatchNorm": "precise_bn",
    "save_history": "history",
    "load_history": "history",
    "history_dict": "history",
    "evaluate_classifier": "metrics",
    "classification_report": "metrics",
    "confusion_matrix": "metrics",
    "predict_classes": "metrics",
    "ClassificationReport": "metrics",
    "run_demo": "demo",
    "DEMO_STEPS": "demo",
    "TrainRun": "run",
    "Step": "run",
    "run_steps": "run",
    "TRAIN_STEPS": "run",
    "fit_distributed": "distribute",
    "make_strategy": "distribute",
    "split_cpu": "distribute",
    "build_in_scope": "distribute",
    "train_in_strategy": "distribute",
    "DistributedFit": "distribute",
    "train_custom_loop": "custom_loop",
    "DISTRIBUTED_STEPS": "distributed_steps",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = list(_LAZY)
