"""CNN arithmetic in one place: output shapes, parameters, MACs, receptive fields, memory.

The grading checks, quiz answer keys and notebooks all call these functions; none re-derives
a formula by hand.
"""

from cnnkit._lazy import lazy_exports
from cnnkit.analysis.cost import (
    activation_bytes,
    activation_memory,
    conv2d_macs,
    dense_macs,
    depthwise_conv2d_macs,
    separable_conv2d_macs,
)
from cnnkit.analysis.params import (
    batch_norm_params,
    batch_norm_params_formula,
    conv2d_params,
    conv2d_params_formula,
    dense_params,
    dense_params_formula,
    depthwise_conv2d_params,
    depthwise_conv2d_params_formula,
    separable_conv2d_params,
    separable_conv2d_params_formula,
)
from cnnkit.analysis.shapes import (
    conv_output_formula,
    conv_output_size,
    effective_kernel_size,
    pool_output_size,
    same_padding,
)

# These need Keras; imported on first use.
_LAZY = {
    "receptive_field": "receptive",
    "receptive_field_table": "receptive",
    "ReceptiveField": "receptive",
    "summarize": "summary",
    "Summary": "summary",
    "SummaryMismatchError": "summary",
}
__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "activation_bytes", "activation_memory", "batch_norm_params", "batch_norm_params_formula",
    "conv2d_macs", "conv2d_params", "conv2d_params_formula", "dense_params_formula",
    "depthwise_conv2d_params_formula", "separable_conv2d_params_formula",
    "conv_output_formula", "conv_output_size", "dense_macs", "dense_params",
    "depthwise_conv2d_macs", "depthwise_conv2d_params", "effective_kernel_size",
    "pool_output_size", "same_padding", "separable_conv2d_macs", "separable_conv2d_params",
    *_LAZY,
]
