"""Training progress: a tqdm bar on a terminal, plain lines in logs, or nothing.

The engine never returns to Python once per iteration to feed this: :func:`fastnn._driver.run`
calls :meth:`Progress.update` at the end of each compiled chunk (chunks are sized to last
about a second at most, and end at the iterations :meth:`Progress.points` asks for), with the
costs so far and a function that returns the current parameters. Monitors (for example the
dev set's cost) are evaluated only at those points, on parameters after exactly that many
steps, so that they line up with the training cost of the same iteration.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Mapping
from typing import TextIO

import numpy as np

from fastnn._typing import FloatArray, Parameters

#: ``monitor(parameters) -> value``, evaluated at the report points.
Monitor = Callable[[Parameters], float]


class Progress:
    """Progress of one run, told at the ends of the engine's chunks; shows nothing.

    Subclasses show it (:class:`BarProgress`, :class:`LineProgress`). Whatever is shown,
    :attr:`history` records each monitor's value at the report points.

    Parameters
    ----------
    every : int
        Report every this many iterations (epochs) and at the last one; 0: only at the end.
    monitors : mapping of str to callable, optional
        ``{name: monitor(parameters) -> float}``, evaluated at iteration 0, at every report
        point and after the last step. Each one cuts a compiled chunk at those points.
    stream : text stream, optional
        Where to show it (default: ``sys.stdout`` at the time of :meth:`start`).
    """

    def __init__(self, every: int = 0, monitors: Mapping[str, Monitor] | None = None, stream: TextIO | None = None):
        if isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 0:
            raise ValueError(f"every must be an int >= 0, got {every!r}")
        self.every = int(every)
        self.monitors = dict(monitors or {})
        self.stream = stream
        #: ``{name: [(iteration, value), ...]}``: the monitors' values, parameters after
        #: ``iteration`` steps (so beside ``costs[iteration]``).
        self.history: dict[str, list[tuple[int, float]]] = {name: [] for name in self.monitors}
        self.total = 0
        self.unit = "iteration"
        self.done = 0
        self.elapsed = 0.0
        self._shown = -1  # the last report point shown
        self._updated = False
        self._t0 = None
        self._values: dict[str, dict[int, float]] = {name: {} for name in self.monitors}

    def report_points(self, total: int) -> list[int]:
        """Iterations whose cost is reported: multiples of :attr:`every` and the last one."""
        points = set(range(0, total, self.every)) if self.every else set()
        if total:
            points.add(total - 1)
        return sorted(points)

    def points(self, total: int) -> list[int]:
        """Where the engine should end a chunk: at the report points when there are
        monitors (they need the parameters there), else nowhere in particular."""
        if not self.monitors:
            return []
        return sorted(set(self.report_points(total)) | {total})

    def start(self, total: int, unit: str = "iteration") -> None:
        """A run of ``total`` iterations (or epochs: ``unit``) begins."""
        self.total, self.unit = int(total), unit
        self.stream = self.stream if self.stream is not None else sys.stdout
        self._t0 = time.perf_counter()
        self._open()

    def update(self, done: int, costs: FloatArray, parameters: Callable[[], Parameters]) -> None:
        """``done`` iterations are finished (``costs[:done]`` known); ``parameters()`` gives
        the parameters after them."""
        if self._t0 is None:
            self.start(max(done, len(costs)))
        self.elapsed = time.perf_counter() - self._t0
        first = not self._updated
        self._updated = True
        if first:  # a resumed run reports from where it resumes
            self._shown = done - 1
        self.done = done
        if self.monitors and (self._is_point(done) or first):
            params = parameters()
            for name, monitor in self.monitors.items():
                value = float(monitor(params))
                self.history[name].append((done, value))
                self._values[name][done] = value
        # Each update walks only the report points it passed (never the whole list: a run
        # reporting every few iterations would pay for every earlier point at every update).
        i = self._next_point(self._shown)
        while i is not None and i < done:
            self._shown = i
            self._report(i, float(costs[i]))
            i = self._next_point(i)
        self._advance(done, costs)

    def _next_point(self, after: int) -> int | None:
        """The first of :meth:`report_points` after ``after`` (-1: the first), or None."""
        last = self.total - 1
        if self.every:
            following = (after // self.every + 1) * self.every
            if following < last:
                return following
        return last if after < last else None

    def _is_point(self, i: int) -> bool:
        """Whether ``i`` is one of :meth:`points` (a report point, or the end)."""
        return i >= self.total - 1 or (self.every > 0 and i % self.every == 0)

    def close(self) -> None:
        """The run is over (finished, failed or interrupted); idempotent."""
        if self._t0 is not None:
            self.elapsed = time.perf_counter() - self._t0
        self._close()

    def value_at(self, name: str, i: int) -> float | None:
        """Monitor ``name``'s value after ``i`` steps, if it was evaluated there."""
        return self._values.get(name, {}).get(i)

    # What subclasses show.
    def _open(self) -> None:
        pass

    def _report(self, i: int, cost: float) -> None:
        pass

    def _advance(self, done: int, costs: FloatArray) -> None:
        pass

    def _close(self) -> None:
        pass


class LineProgress(Progress):
    """One plain line per report point, for logs and pipes::

        Cost after iteration 1000: 0.261321, dev cost: 0.270112, elapsed: 0.012 s

    (``epoch`` for mini-batch runs; a ``name: value`` pair per monitor). The cost is the
    training cost of that iteration, the monitors' values are of the same parameters.
    """

    def _report(self, i: int, cost: float) -> None:
        fields = [f"Cost after {self.unit} {i}: {cost:.6f}"]
        for name in self.monitors:
            value = self.value_at(name, i)
            if value is not None:
                fields.append(f"{name.replace('_', ' ')}: {value:.6f}")
        fields.append(f"elapsed: {self.elapsed:.3f} s")
        print(", ".join(fields), file=self.stream, flush=True)


class BarProgress(Progress):
    """A tqdm bar: the iteration (or epoch), the current cost, the rate and the time left,
    redrawn at most four times a second; closed, it shows the total time."""

    def _open(self) -> None:
        from tqdm import tqdm

        # A terminal that reports no size (0 x 0, as a fresh pseudo-terminal does) gets 80 x 24:
        # tqdm would draw a 0-row terminal's bar nowhere.
        size = shutil.get_terminal_size((80, 24))
        self._bar = tqdm(
            total=self.total,
            unit="it" if self.unit == "iteration" else "epoch",
            file=self.stream,
            mininterval=0.25,
            ncols=size.columns,
            nrows=size.lines,
            leave=True,
        )

    def _advance(self, done: int, costs: FloatArray) -> None:
        if done and len(costs):
            self._bar.set_postfix_str(f"cost={float(costs[done - 1]):.4g}", refresh=False)
        self._bar.update(done - self._bar.n)

    def _close(self) -> None:
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.close()
            self._bar = None


def make_progress(
    kind: str = "auto",
    every: int = 0,
    monitors: Mapping[str, Monitor] | None = None,
    stream: TextIO | None = None,
) -> Progress:
    """The progress display for ``kind``: ``"bar"``, ``"lines"``, ``"none"`` or ``"auto"``
    (a bar when ``stream``, by default stdout, is a terminal, else lines).

    Raises
    ------
    ValueError
        For an unknown ``kind``.
    """
    kinds = {"bar": BarProgress, "lines": LineProgress, "none": Progress}
    if kind == "auto":
        target = stream if stream is not None else sys.stdout
        isatty = getattr(target, "isatty", None)
        kind = "bar" if callable(isatty) and isatty() else "lines"
    if kind not in kinds:
        raise ValueError(f"unknown progress {kind!r}; valid values are 'auto', 'bar', 'lines', 'none'")
    return kinds[kind](every, monitors, stream)
