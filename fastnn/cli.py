"""The command line: ``fastnn train``, ``predict``, ``evaluate`` and ``info``.

With no arguments (or options only) it trains: by default the course's one-hidden-layer tanh
network on the built-in planar "flower" (80 % train, 20 % dev). Every error a user can make
is one line on stderr and exit status 2; Ctrl-C is exit status 130.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fastnn import __version__, io
from fastnn._cli_data import BUILTIN, PRESETS, Data
from fastnn._cli_data import load as load_data
from fastnn._model import Model, Standardizer
from fastnn.api import accuracy, train
from fastnn.backends import BACKENDS
from fastnn.kernels.engine import MODES
from fastnn.reference.initializers import INITIALIZERS
from fastnn.spec import DECAYS, HIDDEN_ACTIVATIONS, LOSSES, OPTIMIZERS

COMMANDS = ("train", "predict", "evaluate", "info")
#: fastnn.train's own defaults, shown by --help and used when neither the option nor the
#: data set's settings say otherwise.
DEFAULTS = {k: p.default for k, p in inspect.signature(train).parameters.items() if p.default is not p.empty}
#: Options whose default comes from the data set (PRESETS), and the preset key of each.
PRESET_OPTIONS = {
    "activation": "activation",
    "lr": "lr",
    "iterations": "iterations",
    "init": "init",
    "seed": "seed",
    "print_every": "print_every",
    "optimizer": "optimizer",
    "batch_size": "batch_size",
    "shuffle_seed": "shuffle_seed",
}


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


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {value}")
    return value


#: ``--batch-size none`` / ``--shuffle-seed none``: given, and None (an omitted option is None too).
NONE = "none"


def _none_or(kind):
    def parse(text: str):
        return NONE if text.lower() == NONE else kind(text)

    parse.__name__ = kind.__name__
    return parse


def _presets_text() -> str:
    lines = ["defaults per data set (--data NAME; .npz and .csv files take the cat settings):"]
    for name in (*BUILTIN, "npz"):
        p = PRESETS[name]
        extra = f", {p['optimizer']}, batch {p['batch_size']}" if "optimizer" in p else ""
        hidden = ",".join(map(str, p["hidden"]))
        lines.append(
            f"  {name:8s} hidden {hidden}, {p['activation']}, lr {p['lr']}, {p['iterations']} iterations, "
            f"init {p['init']}, seed {p['seed']}, print every {p['print_every']}{extra}"
        )
        lines.append(f"  {'':8s} ({p['about']})")
    return "\n".join(lines)


def _add_train(sub) -> None:
    t = sub.add_parser(
        "train",
        help="train a network and save it (the default command)",
        description="Train a feed-forward network and save it. Options left out take the data set's "
        "settings (below), else fastnn.train's defaults.",
        epilog=_presets_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = DEFAULTS
    g = t.add_argument_group("data")
    g.add_argument(
        "--data",
        metavar="DATA",
        help=f"one of {', '.join(BUILTIN)}; the course's cat folder or train_catvnoncat.h5; an .npz with X (n_x, m) "
        "and Y (1, m); or a .csv with a header row, one example per row (default: flower)",
    )
    g.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: the last)")
    g.add_argument(
        "--dev-fraction",
        type=_fraction,
        metavar="F",
        help="share of the examples held out as the dev set, shuffled with seed 0 (default: 0.2; "
        "circles, 2d and cat use their own test set)",
    )
    g.add_argument(
        "--standardize",
        action="store_true",
        help="scale features by the training split's mean and deviation (saved with the model, applied by predict)",
    )
    g = t.add_argument_group("network")
    g.add_argument(
        "--layers", type=_layers, help="layer sizes, e.g. 12288,20,7,5,1 (default: the data set's hidden layers)"
    )
    g.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="hidden activation (default: the data set's)")
    g.add_argument(
        "--loss",
        # poisson (fastnn.train, fastnn.sklearn) is not offered here: predict/evaluate/info treat
        # squared_error as the one regression loss
        choices=tuple(loss for loss in LOSSES if loss != "poisson"),
        help="default: binary_crossentropy for two classes, categorical_crossentropy (softmax) for more",
    )
    g.add_argument("--init", choices=tuple(INITIALIZERS), help="weight initialisation (default: the data set's)")
    g.add_argument("--seed", type=_count, help="initialisation seed and dropout key (default: the data set's)")
    g.add_argument("--dtype", choices=("float64", "float32"), default="float64", help="default: %(default)s")
    g = t.add_argument_group("optimizer")
    g.add_argument("--optimizer", choices=tuple(OPTIMIZERS), help=f"default: {d['optimizer']} (moons: adam)")
    g.add_argument("--lr", type=float, help="learning rate (default: the data set's)")
    g.add_argument(
        "--iterations", type=_count, help="iterations, or epochs with --batch-size (default: the data set's)"
    )
    g.add_argument(
        "--batch-size", type=_none_or(_count), metavar="B", help="mini-batch size (default: full batch; moons: 64)"
    )
    g.add_argument(
        "--shuffle-seed",
        type=_none_or(_count),
        metavar="S",
        help=f"epoch e shuffles with RandomState(S + e); none: in order (default: {d['shuffle_seed']}; moons: 11)",
    )
    g.add_argument("--beta", type=float, help=f"momentum (default: {d['beta']})")
    g.add_argument("--beta1", type=float, help=f"Adam's first moment (default: {d['beta1']})")
    g.add_argument("--beta2", type=float, help=f"Adam's second moment (default: {d['beta2']})")
    g.add_argument("--epsilon", type=float, help=f"Adam's epsilon (default: {d['epsilon']})")
    g = t.add_argument_group("regularization")
    g.add_argument("--l2", type=float, default=d["l2"], help="L2 strength, the course's lambd (default: %(default)s)")
    g.add_argument(
        "--keep-prob",
        type=float,
        default=d["keep_prob"],
        help="dropout keep probability on hidden layers (default: %(default)s)",
    )
    g = t.add_argument_group("learning-rate decay")
    g.add_argument("--decay", choices=[x for x in DECAYS if x], help="the course's decay per epoch (default: none)")
    g.add_argument("--decay-rate", type=float, help=f"default: {d['decay_rate']}")
    g.add_argument(
        "--decay-interval", type=_count, help=f"epochs per step of 'step' decay (default: {d['decay_interval']})"
    )
    g = t.add_argument_group("engine")
    g.add_argument("--backend", choices=tuple(BACKENDS), help="default: the fastest installed")
    g.add_argument("--mode", choices=MODES, default=d["mode"], help="numba layer-1 algorithm (default: %(default)s)")
    g.add_argument(
        "--on-nonfinite",
        choices=("raise", "stop"),
        default=d["on_nonfinite"],
        help="when the cost stops being finite: fail, or stop and keep the last finite parameters "
        "(default: %(default)s)",
    )
    g = t.add_argument_group("output")
    g.add_argument("--out", default="fastnn-model.npz", help="where to save the model (default: %(default)s)")
    g.add_argument(
        "--print-every",
        type=_count,
        metavar="N",
        help="without a terminal, a cost line every N iterations (0: only the last; default: the data set's)",
    )
    shown = g.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="print only the final summary")
    shown.add_argument(
        "--progress",
        choices=("auto", "bar", "lines"),
        default="auto",
        help="a progress bar on a terminal, plain lines otherwise (default: %(default)s)",
    )
    g.add_argument("--plot", metavar="PNG", help="write the cost curve (train and dev) here; needs fastnn[plot]")
    g.add_argument(
        "--plot-boundary",
        metavar="PNG",
        help="write the decision boundary of two-feature data here; needs fastnn[plot]",
    )
    g.add_argument(
        "--checkpoint", help="save a resumable checkpoint here (every --checkpoint-every iterations and on Ctrl-C)"
    )
    g.add_argument("--checkpoint-every", type=_count, help="iterations between checkpoints (needs --checkpoint)")
    g.add_argument("--resume", help="continue from this checkpoint (same data and settings)")


def build_parser() -> argparse.ArgumentParser:
    """The ``fastnn`` argument parser and its four subcommands."""
    parser = _Parser(prog="fastnn", description="Train the course's feed-forward networks fast, and use them.")
    parser.add_argument("--version", action="version", version=f"fastnn {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="{train,predict,evaluate,info}")
    _add_train(sub)
    p = sub.add_parser("predict", help="predict with a saved model; writes CSV")
    p.add_argument("model", help="a model saved by fastnn train")
    p.add_argument("--data", required=True, help="a .csv (the model's feature columns, by name) or an .npz with X")
    p.add_argument("--out", help="write the predictions here (default: standard output)")
    p.add_argument("--proba", action="store_true", help="add each class's probability")
    e = sub.add_parser("evaluate", help="loss and accuracy (or RMSE and R²) of a saved model on labelled data")
    e.add_argument("model", help="a model saved by fastnn train")
    e.add_argument("--data", required=True, help="a .csv with the model's feature and target columns, or an .npz")
    i = sub.add_parser("info", help="what a saved model is and how it was trained")
    i.add_argument("model", help="a model saved by fastnn train")
    i.add_argument("--json", action="store_true", help="print the whole metadata as JSON")
    return parser


# --- train ---------------------------------------------------------------------------------------


def _check_writable(path: str | None, option: str) -> None:
    """Fail before training, not after it, when ``path`` cannot be written."""
    if path is None:
        return
    if not str(path):
        raise ValueError(f"{option} needs a file name")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"{option} {path} is a directory; give a file name such as {target / 'model.npz'}")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{option} {path}: no such directory {target.parent}")
    try:  # the folder must take a new file (the atomic write's temporary one), checked by making one
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".fastnn-probe-"):
            pass
    except OSError as exc:
        raise ValueError(f"{option} {path}: cannot write in {target.parent} ({exc.strerror})") from None


def _check_options(args: argparse.Namespace, optimizer: str, batch_size) -> None:
    """Options that do not go together: one ValueError each."""
    if args.checkpoint_every is not None and args.checkpoint is None:
        raise ValueError("--checkpoint-every needs --checkpoint FILE")
    reads = OPTIMIZERS[optimizer]
    for name in ("beta", "beta1", "beta2", "epsilon"):
        if getattr(args, name) is not None and name not in reads:
            users = [o for o, hyper in OPTIMIZERS.items() if name in hyper]
            raise ValueError(f"--{name} is read by the {', '.join(users)} optimizers; this run's is {optimizer}")
    if args.decay is None and (args.decay_rate is not None or args.decay_interval is not None):
        raise ValueError(f"--{'decay-rate' if args.decay_rate is not None else 'decay-interval'} needs --decay")
    if args.decay == "inverse" and args.decay_interval is not None:
        raise ValueError("--decay-interval is for --decay step; inverse decay changes the rate every epoch")
    if args.shuffle_seed is not None and batch_size is None:
        raise ValueError("--shuffle-seed needs --batch-size: a full batch is never shuffled")
    if args.quiet and args.print_every is not None:
        raise ValueError("--print-every prints lines that --quiet turns off; give one or the other")
    # The Dask path (its own issue) will refuse --keep-prob here; it is not built yet.


def _setting(args, name: str, preset: dict):
    """An option's value: given, else the data set's, else fastnn.train's default."""
    value = getattr(args, name)
    if value is not None:
        return None if value == NONE else value
    if PRESET_OPTIONS.get(name) in preset:
        return preset[PRESET_OPTIONS[name]]
    return DEFAULTS[{"lr": "learning_rate", "iterations": "num_iterations"}.get(name, name)]


def _scores(model: Model, X: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """``accuracy`` of a classifier, ``rmse`` and ``r2`` of a regressor, on ``X`` (raw), ``Y``
    as trained on (0/1, labels 0..K-1 or values)."""
    from fastnn.metrics import regression_scores

    if not X.shape[1]:  # an empty dev split (--dev-fraction 0, or a handful of rows): nothing to score
        return {}
    if model.is_regressor:
        scores = regression_scores(model.predict(X), Y)
        return {"rmse": scores["rmse"], "r2": scores["r2"]}
    return {"accuracy": accuracy(model.predict(X), Y)}


def _score_lines(name: str, scores: dict[str, float], m: int) -> str:
    if not scores:
        return f"{name + ':':16s}no examples"
    if "accuracy" in scores:
        return f"{name + ' accuracy:':16s}{100 * scores['accuracy']:.2f} %  ({m} examples)"
    return f"{name + ' RMSE:':16s}{scores['rmse']:.6g}  R2: {scores['r2']:.4f}  ({m} examples)"


def run_train(args: argparse.Namespace) -> int:
    outputs: dict[Path, str] = {}
    for option in ("out", "checkpoint", "plot", "plot_boundary"):
        name = "--" + option.replace("_", "-")
        _check_writable(getattr(args, option), name)
        if getattr(args, option) is not None:
            path = Path(getattr(args, option)).resolve()
            if path in outputs:
                raise ValueError(f"{outputs[path]} and {name} name the same file {getattr(args, option)}")
            outputs[path] = name
    if args.plot or args.plot_boundary:
        from fastnn.plots import require_matplotlib

        require_matplotlib("--plot" if args.plot else "--plot-boundary")
    data: Data = load_data(args.data, target=args.target, loss=args.loss, dev_fraction=args.dev_fraction)
    preset = data.preset
    optimizer = _setting(args, "optimizer", preset)
    batch_size = _setting(args, "batch_size", preset)
    _check_options(args, optimizer, batch_size)
    if args.plot_boundary and data.X.shape[0] != 2:
        raise ValueError(f"--plot-boundary draws two-feature data; {data.source} has {data.X.shape[0]} features")
    if args.plot_boundary and data.loss == "squared_error":
        raise ValueError("--plot-boundary draws a classifier's regions; this is a regression (squared_error)")
    scaler = Standardizer.fit(data.X) if args.standardize else None
    X, X_dev = (data.X, data.X_dev) if scaler is None else (scaler.apply(data.X), scaler.apply(data.X_dev))
    layers = args.layers or [X.shape[0], *preset["hidden"], data.n_out]
    activation = _setting(args, "activation", preset)
    print_every = _setting(args, "print_every", preset)

    from fastnn.metrics import mean_loss
    from fastnn.progress import make_progress

    def dev_cost(parameters) -> float:
        return mean_loss(parameters, X_dev.astype(parameters["W1"].dtype), data.Y_dev, activation, data.loss)

    watch_dev = X_dev.shape[1] > 0 and (args.plot or (not args.quiet and args.progress != "bar"))
    progress = make_progress(
        "none" if args.quiet else args.progress,
        every=print_every,
        monitors={"dev_cost": dev_cost} if watch_dev else None,
    )
    settings = {
        name: getattr(args, name) if getattr(args, name) is not None else DEFAULTS[name]
        for name in ("beta", "beta1", "beta2", "epsilon", "decay_rate", "decay_interval")
    }
    started = time.perf_counter()
    result = train(
        X,
        data.Y,
        layers,
        hidden_activation=activation,
        loss=data.loss,
        optimizer=optimizer,
        learning_rate=_setting(args, "lr", preset),
        num_iterations=_setting(args, "iterations", preset),
        batch_size=batch_size,
        shuffle_seed=_setting(args, "shuffle_seed", preset),
        l2=args.l2,
        keep_prob=args.keep_prob,
        decay=args.decay,
        init=_setting(args, "init", preset),
        seed=_setting(args, "seed", preset),
        dtype=args.dtype,
        backend=args.backend,
        mode=args.mode,
        on_nonfinite=args.on_nonfinite,
        checkpoint=args.checkpoint,
        checkpoint_every=args.checkpoint_every or 0,
        resume=args.resume,
        progress=progress,
        **settings,
    )
    seconds = time.perf_counter() - started
    final_cost = float(result.costs[-1]) if result.costs.size else None
    metadata = {
        **result.spec.to_dict(),
        "hidden_activation": activation,
        "init": _setting(args, "init", preset),
        "seed": _setting(args, "seed", preset),
        "backend": result.backend,
        "data": data.kind,
        "data_source": data.source,
        "final_cost": final_cost,
        "num_iterations": int(result.costs.size),
        "train_seconds": round(seconds, 3),
        "m_train": int(X.shape[1]),
        "m_dev": int(X_dev.shape[1]),
        "classes": data.classes,
        "feature_names": data.feature_names,
        "target": data.target_name,
        "standardize": scaler.to_dict() if scaler is not None else None,
    }
    model = Model(result.parameters, metadata)
    train_scores = _scores(model, data.X, data.Y)
    dev_scores = _scores(model, data.X_dev, data.Y_dev)
    metadata.update({f"train_{k}": v for k, v in train_scores.items()})
    metadata.update({f"dev_{k}": v for k, v in dev_scores.items()})
    unit = "epochs" if batch_size is not None and batch_size < X.shape[1] else "iterations"
    cost = "no cost" if final_cost is None else f"final cost {final_cost:.6f}"
    print(f"trained {layers} for {result.costs.size} {unit} in {seconds:.2f} s, {cost}")
    print(_score_lines("train", train_scores, X.shape[1]))
    print(_score_lines("dev", dev_scores, X_dev.shape[1]))
    path = io.save(args.out, result.parameters, **metadata)
    print(f"saved parameters to {path}")
    title = f"{layers} {activation}, {data.loss}, {optimizer} lr {_setting(args, 'lr', preset)} on {data.source}"
    if args.plot:
        from fastnn.plots import plot_costs

        plot_costs(args.plot, result.costs, progress.history.get("dev_cost", ()), title=title, unit=unit[:-1])
        print(f"saved the cost curve to {args.plot}")
    if args.plot_boundary:
        from fastnn.plots import plot_boundary

        def regions(points):
            return model.predict(points).reshape(-1) if model.single_label else model.predict(points)[0]

        plot_boundary(
            args.plot_boundary,
            regions,
            data.X,
            data.Y.reshape(-1) if data.Y.shape[0] == 1 else data.Y[0],
            class_names=model.class_names(),
            title=title,
            axis_labels=data.feature_names or ("x1", "x2"),
        )
        print(f"saved the decision boundary to {args.plot_boundary}")
    return 0


# --- predict, evaluate, info ---------------------------------------------------------------------


def _model_inputs(model: Model, data: str, labelled: bool):
    """``(X (n_x, m) raw, targets or None)`` of a CSV or .npz file for ``model``; targets are
    the CSV's label texts, or the .npz's Y."""
    from fastnn import tabular
    from fastnn._cli_data import read_npz

    path = Path(data)
    if path.suffix.lower() == ".npz":
        X, Y = read_npz(path, need_Y=labelled)
        return X, Y
    if path.suffix.lower() not in (".csv", ".txt"):
        raise ValueError(f"--data must be a .csv or an .npz file; got {data!r}")
    names = model.feature_names
    if names is None:  # trained on arrays: the first n_x columns, the rest (one: the target) after them
        import csv

        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        with open(path, newline="", encoding="utf-8-sig") as f:
            header = [h.strip() for h in next(csv.reader(f), [])]
        if len(header) not in (model.n_x, model.n_x + 1):
            raise ValueError(
                f"the model takes {model.n_x} features; {path} has {len(header)} columns "
                f"(give {model.n_x}, or {model.n_x} and a target column last)"
            )
        names = header[: model.n_x]
    table = tabular.read_csv(path, model.target_name, features=names, require_target=labelled)
    return table.features, table


def run_predict(args: argparse.Namespace) -> int:
    _check_writable(args.out, "--out")
    model = Model.load(args.model)
    X, _ = _model_inputs(model, args.data, labelled=False)
    predictions = model.predict(X)
    header, columns = [], []
    name = model.target_name or "prediction"
    if model.is_regressor:
        for k in range(predictions.shape[0]):
            header.append(name if predictions.shape[0] == 1 else f"{name}_{k}")
            columns.append(predictions[k].astype(np.float64))
    elif model.single_label:
        names = model.class_names()
        header.append(name)
        columns.append([names[k] for k in model.class_index(predictions)])
    else:  # multi-label: one 0/1 column per unit
        for k in range(predictions.shape[0]):
            header.append(f"{name}_{k}")
            columns.append(predictions[k].astype(np.int64))
    if args.proba:
        P = model.predict_proba(X).astype(np.float64)
        if model.loss == "binary_crossentropy" and model.n_out == 1:
            P = np.vstack([1 - P, P])
            labels = model.class_names()
        elif model.single_label:
            labels = model.class_names()
        else:
            labels = [str(k) for k in range(P.shape[0])]
        for k, label in enumerate(labels):
            header.append(f"p_{label}")
            columns.append(P[k])
    from fastnn import tabular

    if args.out is None:
        sys.stdout.write(tabular.format_csv(header, columns))
    else:
        tabular.write_csv(args.out, header, columns)
        print(f"wrote {X.shape[1]} predictions to {args.out}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from fastnn import tabular
    from fastnn.metrics import confusion_matrix, mean_loss, regression_scores

    model = Model.load(args.model)
    X, targets = _model_inputs(model, args.data, labelled=True)
    if isinstance(targets, tabular.Table):
        table = targets
        if model.is_regressor:
            bad = [(r, v) for r, v in zip(table.rows, table.target, strict=True) if not tabular.is_number(v)]
            if bad:
                raise ValueError(
                    f"{args.data}: row {bad[0][0]}, column {table.target_name!r}: {bad[0][1]!r} is not a number"
                )
            Y = np.array([[float(v) for v in table.target]])
        else:
            try:
                index, _ = tabular.encode_classes(table.target, model.classes)
            except ValueError as exc:  # say where: the file and the first row of the label it names
                named = (r for r, v in zip(table.rows, table.target, strict=True) if f"class {v!r} is not" in str(exc))
                row = next(named, None)
                where = f"row {row}, " if row is not None else ""
                raise ValueError(f"{args.data}: {where}column {table.target_name!r}: {exc}") from None
            Y = index[None, :].astype(np.float64)
    else:
        from fastnn._validation import check_targets

        n_out = model.parameters[f"W{len(model.parameters) // 2}"].shape[0]
        check_targets(targets, model.loss, n_out, np.asarray(X, dtype=np.float64))  # a ValueError names what is wrong
        Y = np.asarray(targets, dtype=np.float64)
    m = X.shape[1]
    inputs = model.inputs(X)
    loss = mean_loss(model.parameters, inputs, Y, model.hidden_activation, model.loss)
    print(f"examples:  {m}")
    print(f"loss:      {loss:.6f}  ({model.loss})")
    if model.is_regressor:
        scores = regression_scores(model.predict(X), Y)
        print(f"MSE:       {scores['mse']:.6g}")
        print(f"RMSE:      {scores['rmse']:.6g}")
        print(f"R2:        {scores['r2']:.6f}")
        return 0
    predictions = model.predict(X)
    print(f"accuracy:  {100 * accuracy(predictions, Y):.2f} %")
    if model.single_label:
        names = model.class_names()
        counts = confusion_matrix(Y.reshape(-1), model.class_index(predictions), len(names))
        width = max(8, *(len(n) for n in names), len(str(counts.max())))
        print("confusion matrix (rows: true class, columns: predicted):")
        print(" " * width + "".join(f" {n:>{width}s}" for n in names))
        for name, row in zip(names, counts, strict=True):
            print(f"{name:>{width}s}" + "".join(f" {c:>{width}d}" for c in row))
    return 0


def run_info(args: argparse.Namespace) -> int:
    model = Model.load(args.model)
    meta = model.metadata
    if args.json:
        print(json.dumps(meta, indent=2, sort_keys=True))
        return 0
    show = {
        "model": args.model,
        "fastnn version": meta.get("fastnn_version"),
        "layers": meta.get("layer_dims"),
        "hidden activation": model.hidden_activation,
        "loss": model.loss,
        "dtype": meta.get("dtype"),
        "optimizer": meta.get("optimizer"),
        "learning rate": meta.get("learning_rate"),
        "batch size": meta.get("batch_size") or ("full batch" if "optimizer" in meta else None),
        "iterations": meta.get("num_iterations"),
        "init": None if meta.get("init") is None else f"{meta['init']} (seed {meta.get('seed')})",
        "l2": meta.get("l2"),
        "keep prob": meta.get("keep_prob"),
        "decay": meta.get("decay"),
        "backend": meta.get("backend"),
        "data": meta.get("data_source") or meta.get("data"),
        "features": (", ".join(model.feature_names) if model.feature_names else None),
        "target": model.target_name,
        "classes": ", ".join(model.classes) if model.classes else None,
        "standardized": "yes" if model.standardizer is not None else ("no" if "standardize" in meta else None),
        "final cost": meta.get("final_cost"),
        "train accuracy": meta.get("train_accuracy"),
        "dev accuracy": meta.get("dev_accuracy"),
        "train RMSE": meta.get("train_rmse"),
        "dev RMSE": meta.get("dev_rmse"),
        "dev R2": meta.get("dev_r2"),
        "training time": f"{meta['train_seconds']} s" if "train_seconds" in meta else None,
    }
    for key, value in show.items():
        if value is None:
            continue
        if key.endswith("accuracy") and isinstance(value, float):
            value = f"{100 * value:.2f} %"
        print(f"{key + ':':19s}{value}")
    return 0


RUN = {"train": run_train, "predict": run_predict, "evaluate": run_evaluate, "info": run_info}


def main(argv: list[str] | None = None) -> int:
    """Run ``fastnn`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # No command, or options only: train (``fastnn --iterations 3`` is ``fastnn train --iterations 3``).
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["train", *argv]
    try:
        args = parser.parse_args(argv)
        return RUN[args.command](args)
    except BrokenPipeError:  # fastnn predict ... | head
        return 0
    except (ValueError, TypeError, OSError, FloatingPointError, ImportError) as exc:
        # OSError: unreadable or unwritable files; ImportError: an optional extra is missing
        message = " ".join(str(exc).split()) or type(exc).__name__  # always one line
        print(f"fastnn: error: {message}", file=sys.stderr)
        return 2
    except MemoryError:  # an absurd --iterations or --layers: the buffers do not fit
        print("fastnn: error: not enough memory for this run (its --iterations or --layers are too large)",
              file=sys.stderr)  # fmt: skip
        return 2
    except KeyboardInterrupt as exc:
        detail = str(exc) or "interrupted; nothing saved (use --checkpoint to make runs resumable)"
        print(f"fastnn: {detail}", file=sys.stderr)
        return 130
