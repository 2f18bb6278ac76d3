"""Pictures for the course: training curves, confusion matrices, filters, feature maps, image grids.

Every function returns a matplotlib Figure (built without pyplot, so nothing pops up or leaks)
and saves it when given ``path``; in Jupyter the returned Figure displays itself.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "plot_history": "history",
    "plot_histories": "history",
    "plot_confusion_matrix": "confusion",
    "plot_filters": "filters",
    "plot_feature_maps": "filters",
    "show_images": "images",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = list(_LAZY)
