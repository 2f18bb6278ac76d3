"""cnnkit — a Keras/TensorFlow course kit for convolutional neural networks.

Subpackages (imported on demand, so `import cnnkit` stays cheap):
``analysis`` shapes, parameters, MACs, receptive fields; ``layers`` and ``models`` the
lecture architectures; ``data`` offline-first datasets; ``train`` and ``viz`` training
helpers and pictures; ``checks`` what graded notebooks call; ``grading`` the nbgrader engine
(release, sandboxed autograding, feedback); ``quiz`` question generation; ``cli``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
