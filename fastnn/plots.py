"""Pictures of a run: the cost curve, and the decision boundary of a two-feature classifier.

matplotlib is an optional extra (``pip install "fastnn[plot]"``), imported only when a picture
is drawn, with its Agg backend through the object API (no pyplot state, no display needed).
Files are written atomically.
"""

from __future__ import annotations

import io as _stdio
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

#: Size of every picture, in inches at :data:`DPI` (so 800 x 560 pixels).
FIGSIZE = (8.0, 5.6)
DPI = 100


def require_matplotlib(option: str = "plotting") -> None:
    """Raise ImportError naming the ``plot`` extra when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    except ImportError:
        raise ImportError(f'{option} needs matplotlib, which is not installed: pip install "fastnn[plot]"') from None


def _figure():
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: str | os.PathLike) -> Path:
    from fastnn.io import write_atomic

    buffer = _stdio.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return write_atomic(path, buffer.getvalue())


def plot_costs(
    path: str | os.PathLike,
    costs: np.ndarray,
    dev: Sequence[tuple[int, float]] = (),
    *,
    title: str = "",
    unit: str = "iteration",
) -> Path:
    """The training cost of every iteration (epoch) and the dev cost at the points of ``dev``,
    on a log-scaled y axis, written to ``path`` as PNG.

    Parameters
    ----------
    path : str or PathLike
    costs : (n,) array
        ``costs[i]``: the training cost at iteration ``i`` (before its step).
    dev : sequence of (int, float)
        ``(i, cost)``: the dev set's cost with the parameters after ``i`` steps.
    title : str
    unit : {"iteration", "epoch"}

    Returns
    -------
    Path
    """
    costs = np.asarray(costs, dtype=np.float64)
    figure = _figure()
    ax = figure.add_subplot()
    ax.plot(np.arange(costs.size), costs, label="train cost", color="tab:blue", linewidth=1.5)
    if len(dev):
        at, values = zip(*dev, strict=True)
        ax.plot(at, values, "o-", label="dev cost", color="tab:orange", markersize=4, linewidth=1)
    if np.any(costs > 0) or any(v > 0 for _, v in dev):
        ax.set_yscale("log")
    ax.set_xlabel(f"{unit}")
    ax.set_ylabel("cost (log scale)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    figure.tight_layout()
    return _save(figure, path)


def plot_boundary(
    path: str | os.PathLike,
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    labels: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    title: str = "",
    axis_labels: Sequence[str] = ("x1", "x2"),
    resolution: int = 300,
) -> Path:
    """The decision regions of ``predict`` over the plane of the two features of ``X``
    ``(2, m)``, with the examples on top coloured by ``labels`` ``(m,)``, as the course's
    ``plot_decision_boundary`` draws them; written to ``path`` as PNG.

    Parameters
    ----------
    predict : callable
        ``(2, k)`` points to ``(k,)`` class indices.
    X : (2, m) array
    labels : (m,) int array
        Class indices of the examples.
    class_names : sequence of str, optional
    title : str
    axis_labels : (str, str)
    resolution : int
        Grid points along each axis.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"a decision boundary is drawn for two features; the data have {X.shape[0]}")
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    u = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    v = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    U, V = np.meshgrid(u, v)
    regions = np.asarray(predict(np.vstack([U.ravel(), V.ravel()]))).reshape(U.shape)
    K = int(max(regions.max(), labels.max())) + 1
    figure = _figure()
    ax = figure.add_subplot()
    from matplotlib.colors import ListedColormap

    colours = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    cmap = ListedColormap([colours[k % len(colours)] for k in range(K)])
    ax.contourf(U, V, regions, levels=np.arange(K + 1) - 0.5, cmap=cmap, alpha=0.3)
    names = list(class_names) if class_names is not None else [str(k) for k in range(K)]
    for k in range(K):
        mine = labels == k
        if mine.any():
            ax.scatter(X[0, mine], X[1, mine], s=14, color=cmap(k), edgecolors="black", linewidths=0.3, label=names[k])
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    ax.legend(loc="best")
    figure.tight_layout()
    return _save(figure, path)
