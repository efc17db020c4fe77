"""fastnn: the course's feed-forward networks, trained by compiled kernels.

``fastnn.train`` / ``fastnn.predict`` for scripts, ``fastnn.course.*`` as drop-ins for
the course's helpers, ``fastnn.reference`` as the NumPy oracle.
"""

from fastnn.api import TrainResult, accuracy, predict, predict_proba, train
from fastnn.backends import available_backends

__version__ = "0.1.0"

__all__ = ["TrainResult", "accuracy", "available_backends", "predict", "predict_proba", "train", "__version__"]
