"""fastnn: the course's feed-forward networks, trained by compiled kernels.

``fastnn.train`` / ``fastnn.predict`` for scripts, ``fastnn.course.*`` as drop-ins for
the course's helpers, ``fastnn.reference`` as the NumPy oracle.
"""

__version__ = "0.1.0"

from fastnn import io  # noqa: E402
from fastnn.api import TrainResult, accuracy, predict, predict_proba, train  # noqa: E402
from fastnn.backends import available_backends  # noqa: E402
from fastnn.gradcheck import GradientCheck, gradient_check  # noqa: E402
from fastnn.io import load, save  # noqa: E402
from fastnn.kernels.warmup import warmup  # noqa: E402

__all__ = [
    "GradientCheck",
    "TrainResult",
    "__version__",
    "accuracy",
    "available_backends",
    "gradient_check",
    "io",
    "load",
    "predict",
    "predict_proba",
    "save",
    "train",
    "warmup",
]
