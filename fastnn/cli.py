"""``fastnn train``: train from the command line and save the parameters.

With no arguments it trains the course's one-hidden-layer tanh network on the built-in
planar "flower" (80 % train, 20 % dev).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import numpy as np

from fastnn import __version__, io
from fastnn.api import accuracy, predict, train
from fastnn.backends import BACKENDS
from fastnn.datasets import flatten_images, load_catvnoncat, load_planar_dataset, train_dev_test_split
from fastnn.reference.initializers import INITIALIZERS
from fastnn.spec import HIDDEN_ACTIVATIONS

# Settings per data set when the command line leaves them out: the course's own.
_PRESETS = {
    "planar": {
        "hidden": [4],
        "activation": "tanh",
        "lr": 1.2,
        "iterations": 10000,
        "init": "small",
        "seed": 2,
        "print_every": 1000,
    },
    "cat": {
        "hidden": [20, 7, 5],
        "activation": "relu",
        "lr": 0.0075,
        "iterations": 2500,
        "init": "lecun",
        "seed": 1,
        "print_every": 100,
    },
}
_PRESETS["npz"] = _PRESETS["cat"]  # other data: the deep application's settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit status 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _layers(text: str) -> list[int]:
    try:
        dims = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--layers takes comma-separated ints such as 12288,20,7,5,1, got {text!r}"
        ) from None
    return dims


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fastnn", description="Train the course's feed-forward networks fast.")
    parser.add_argument("--version", action="version", version=f"fastnn {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    t = sub.add_parser("train", help="train a network and save its parameters")
    t.add_argument(
        "--data",
        help="the course's cat folder or train_catvnoncat.h5, or an .npz with X (n_x, m) and Y (1, m); "
        "default: the planar flower",
    )
    t.add_argument(
        "--layers", type=_layers, help="layer sizes, e.g. 12288,20,7,5,1 (default: the course's for the data)"
    )
    t.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="hidden activation")
    t.add_argument("--lr", type=float, help="learning rate")
    t.add_argument("--iterations", type=_positive_int, help="gradient-descent iterations")
    t.add_argument("--init", choices=tuple(INITIALIZERS), help="weight initialisation")
    t.add_argument("--backend", choices=tuple(BACKENDS), help="default: the fastest installed")
    t.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    t.add_argument("--seed", type=int, help="initialisation seed")
    t.add_argument("--print-every", type=_positive_int, help="print the cost every N iterations (0: never)")
    t.add_argument("--out", default="fastnn-model.npz", help="where to save the parameters (default: %(default)s)")
    t.add_argument(
        "--checkpoint", help="save a resumable checkpoint here (every --checkpoint-every iterations and on Ctrl-C)"
    )
    t.add_argument("--checkpoint-every", type=_positive_int, default=0, help="iterations between checkpoints")
    t.add_argument("--resume", help="continue from this checkpoint (same data and settings)")
    return parser


def _load(data: str | None):
    """``(kind, X_train, Y_train, X_dev, Y_dev)``."""
    if data is None:
        X, Y = load_planar_dataset()
        X_tr, Y_tr, X_dev, Y_dev, _, _ = train_dev_test_split(X, Y, dev=0.2, test=0, seed=0)
        return "planar", X_tr, Y_tr, X_dev, Y_dev
    path = Path(data)
    if path.is_dir() or path.suffix == ".h5":
        folder = path if path.is_dir() else path.parent
        train_x, train_y, test_x, test_y, _ = load_catvnoncat(folder)
        return "cat", flatten_images(train_x), train_y, flatten_images(test_x), test_y
    if path.suffix == ".npz":
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        try:
            with np.load(path, allow_pickle=False) as f:
                files = f.files
                if "X" in files and "Y" in files:
                    X, Y = f["X"], f["Y"]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            # np.load blames pickling for anything that is not an .npy/.npz; say what it is instead
            raise ValueError(f"{path} is not a readable .npz file of numeric arrays ({exc})") from None
        if "X" not in files or "Y" not in files:
            raise ValueError(f"{path} must hold arrays named X (n_x, m) and Y (1, m); it has {files}")
        if X.ndim != 2 or Y.ndim != 2:
            raise ValueError(f"{path}: X and Y must be 2-D, got shapes {X.shape} and {Y.shape}")
        X_tr, Y_tr, X_dev, Y_dev, _, _ = train_dev_test_split(X, Y, dev=0.2, test=0, seed=0)
        return "npz", X_tr, Y_tr, X_dev, Y_dev
    raise ValueError(f"--data must be a folder or .h5 file of the course's cat data, or an .npz file; got {data!r}")


def _check_writable(path: str | None, option: str) -> None:
    """Fail before training, not after it, when ``path`` cannot be written."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a file name such as {target / 'model.npz'}")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{option} {path}: no such directory {target.parent}")


def run_train(args: argparse.Namespace) -> int:
    _check_writable(args.out, "--out")
    _check_writable(args.checkpoint, "--checkpoint")
    kind, X, Y, X_dev, Y_dev = _load(args.data)
    preset = _PRESETS[kind]
    layers = args.layers or [X.shape[0], *preset["hidden"], 1]
    activation = args.activation or preset["activation"]
    print_every = preset["print_every"] if args.print_every is None else args.print_every
    result = train(
        X,
        Y,
        layers,
        hidden_activation=activation,
        learning_rate=preset["lr"] if args.lr is None else args.lr,
        num_iterations=preset["iterations"] if args.iterations is None else args.iterations,
        init=args.init or preset["init"],
        seed=preset["seed"] if args.seed is None else args.seed,
        dtype=args.dtype,
        backend=args.backend,
        print_every=print_every,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
    )
    # Both sets are evaluated in the dtype the network was trained in.
    dtype = result.parameters["W1"].dtype
    train_acc = accuracy(result.predict(X.astype(dtype)), Y)
    dev_acc = (
        accuracy(predict(result.parameters, X_dev.astype(dtype), activation, backend=result.backend), Y_dev)
        if X_dev.shape[1]
        else float("nan")
    )
    print(f"train accuracy: {100 * train_acc:.2f} %  ({X.shape[1]} examples)")
    print(f"dev accuracy:   {100 * dev_acc:.2f} %  ({X_dev.shape[1]} examples)")
    final_cost = float(result.costs[-1]) if result.costs.size else None
    path = io.save(
        args.out,
        result.parameters,
        hidden_activation=activation,
        backend=result.backend,
        data=kind,
        final_cost=final_cost,
        num_iterations=int(result.costs.size),
    )
    print(f"saved parameters to {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv if argv else ["train"])
    if args.command is None:
        args = parser.parse_args(["train", *argv])
    try:
        return run_train(args)
    except (ValueError, TypeError, OSError, FloatingPointError) as exc:  # OSError: unreadable or unwritable files
        message = " ".join(str(exc).split()) or type(exc).__name__  # always one line
        print(f"fastnn: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        detail = str(exc) or "interrupted; nothing saved (use --checkpoint to make runs resumable)"
        print(f"fastnn: {detail}", file=sys.stderr)
        return 130
