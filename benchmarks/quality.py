"""Sample quality of named configs for a fixed training budget, scored by the package's own evaluator.

Each run trains one config with one seed, evaluates the generator on 2,000 samples after chosen epochs (the progress
curve, against training wall-clock with evaluation time left out) and on 10,000 samples at the end (the table), and
writes `benchmarks/results/quality/<config>_seed<seed>.json` and a sample grid PNG beside it. `--report` then
aggregates every run found there into mean ± sd rows (`benchmarks/results/quality.md`, also pasted into the
README between its `quality-table` markers) and draws `docs/quality_progress.png`.

    python benchmarks/quality.py --configs=dcgan_fashion_mnist --seeds=0,1,2 --epochs=10
    python benchmarks/quality.py --report

Runs are independent processes' work: run them one at a time on a quiet machine (training time is part of the
result), e.g. one command per config and seed.
"""

import dataclasses
import glob
import json
import os
import platform
import re
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from keras_gan import configs, files, networks, pictures, train_lib  # noqa: E402
from keras_gan.callbacks import SampleGrid  # noqa: E402
from keras_gan.data import pipeline  # noqa: E402
from keras_gan.metrics.evaluation import evaluate  # noqa: E402
from keras_gan.metrics.evaluator import Evaluator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "quality")
TABLE = os.path.join(HERE, "results", "quality.md")
PICTURE = os.path.join(HERE, "..", "docs", "quality_progress.png")
README = os.path.join(HERE, "..", "README.md")
MARKERS = ("<!-- quality-table:start -->", "<!-- quality-table:end -->")

# The targets for the best config (10k samples vs the test split).
COLUMNS = (
    ("frechet_distance", "Fréchet dist. ↓"), ("precision", "precision"), ("recall", "recall"),
    ("density", "density"), ("coverage", "coverage"), ("classifier_score", "classifier score"),
    ("min_class_share", "smallest class share"), ("max_class_share", "largest class share"),
)

flags.DEFINE_list("configs", ["dcgan_fashion_mnist"], "Named configs to train.")
flags.DEFINE_list("seeds", ["0"], "Seeds; one run per config and seed.")
flags.DEFINE_integer("epochs", None, "Epochs per run (the same for every config); unset: each config's own.")
flags.DEFINE_list("curve_epochs", [], "1-based epochs evaluated for the curve (unset: every epoch).")
flags.DEFINE_integer("curve_samples", 2000, "Samples per curve evaluation.")
flags.DEFINE_integer("eval_samples", 10_000, "Samples of the final evaluation.")
flags.DEFINE_boolean("report", False, "Aggregate the saved runs into the table and the picture; train nothing.")
flags.DEFINE_string("tag", "", "Suffix of the row name, e.g. '2h' for a longer run of a config.")
flags.DEFINE_list("set", [], "Config overrides field=value (JSON values), e.g. --set=ema_decay=0.99,beta_1=0.5; "
                  "name the row with --tag.")
flags.DEFINE_string("save_dir", None, "If set, each run's trained GAN is saved there as <row>_seed<seed>.keras "
                    "(to evaluate it again later, e.g. with new metrics).")
FLAGS = flags.FLAGS


class _Clock(keras.callbacks.Callback):
    """Training wall-clock per epoch, with the curve's evaluations (run at epoch end) left out."""

    def __init__(self, evaluator, curve_epochs, curve_samples, seed):
        super().__init__()
        self.evaluator, self.curve_epochs, self.curve_samples, self.seed = evaluator, curve_epochs, curve_samples, seed
        self.train_seconds, self.curve = 0.0, []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.train_seconds += time.perf_counter() - self._start
        if self.curve_epochs and epoch + 1 not in self.curve_epochs:
            return
        started = time.perf_counter()
        result = evaluate(self.model, self.evaluator, self.curve_samples, seed=self.seed, parzen=False,
                          reference=False)
        self.curve.append({"epoch": epoch + 1, "train_seconds": self.train_seconds,
                           "eval_seconds": time.perf_counter() - started, **_scalars(result["model"])})
        print(f"  epoch {epoch + 1}: {self.train_seconds:.0f} s, FD {result['model']['frechet_distance']:.2f}",
              flush=True)


def _scalars(model_row):
    row = {k: float(v) for k, v in model_row.items() if isinstance(v, (int, float))}
    histogram = model_row.get("class_histogram")
    if histogram:
        shares = np.asarray(histogram, float) / max(sum(histogram), 1)
        row["min_class_share"], row["max_class_share"] = float(shares.min()), float(shares.max())
    return row


def run(name, seed, epochs):
    """Trains config `name` with `seed` and writes its result file; returns the result dict."""
    config = configs.get_config(name)
    overrides = {}
    for item in FLAGS.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    config = dataclasses.replace(config, seed=seed, epochs=epochs or config.epochs, verbose=0, **overrides)
    configs.validate(config)
    keras.utils.set_random_seed(seed)
    examples, labels, shape = train_lib.load_labelled_examples(config)
    conditional = networks.get_architecture(config.architecture).conditional
    num_classes = train_lib.resolve_num_classes(config, labels) if conditional else None
    steps = pipeline.steps_per_epoch(len(examples), config.batch_size, config.d_steps)
    gan = train_lib.build_gan(config, shape, examples, steps, num_classes=num_classes)
    dataset = pipeline.epoch_batches((examples, labels) if conditional else examples, batch_size=config.batch_size,
                                     d_steps=config.d_steps, seed=seed, epochs=config.epochs)
    evaluator = Evaluator.for_dataset(config.dataset, num_samples=max(FLAGS.curve_samples, FLAGS.eval_samples),
                                      parzen=False)
    curve_epochs = {int(e) for e in FLAGS.curve_epochs}
    clock = _Clock(evaluator, curve_epochs, FLAGS.curve_samples, seed=1)
    print(f"{name} seed {seed}: {config.epochs} epochs of {steps} steps", flush=True)
    gan.fit(dataset, epochs=config.epochs, steps_per_epoch=steps, verbose=0, callbacks=[clock])
    started = time.perf_counter()
    final = evaluate(gan, evaluator, FLAGS.eval_samples, seed=1, parzen=False, reference=False)
    eval_seconds = time.perf_counter() - started
    row = name + (f" ({FLAGS.tag})" if FLAGS.tag else "")
    result = {
        "row": row, "config": name, "seed": seed, "epochs": config.epochs, "train_seconds": clock.train_seconds,
        "eval_samples": FLAGS.eval_samples, "eval_seconds": eval_seconds, "final": _scalars(final["model"]),
        "overrides": overrides, "curve": clock.curve, "load_before": os.getloadavg()[0], "machine": platform.processor() or platform.machine(),
        "command": "python benchmarks/quality.py " + " ".join(sys.argv[1:]),
    }
    os.makedirs(RESULTS, exist_ok=True)
    stem = os.path.join(RESULTS, f"{row.replace(' ', '_').replace('(', '').replace(')', '')}_seed{seed}")
    if FLAGS.save_dir:
        os.makedirs(FLAGS.save_dir, exist_ok=True)
        gan.save(os.path.join(FLAGS.save_dir, os.path.basename(stem) + ".keras"))
    files.atomic_write(stem + ".json", json.dumps(result, indent=1))
    if conditional:
        # One row per class, one z per column.
        grid = SampleGrid(RESULTS, num_samples=10 * num_classes, seed=0)
        grid.set_model(gan)
        picture = grid.picture()
    else:
        picture = pictures.image_grid(gan.generate(64, seed=0))
    files.atomic_write(stem + ".png", pictures.encode_png(picture))
    print(f"  final: FD {result['final']['frechet_distance']:.2f}, train {clock.train_seconds:.0f} s, "
          f"eval {eval_seconds:.1f} s", flush=True)
    return result


def _mean_sd(values):
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) if len(values) > 1 else 0.0)


def report():
    """Writes the table (mean ± sd per row over its seeds) and the progress picture from the saved runs."""
    runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(RESULTS, "*.json")))]
    if not runs:
        raise SystemExit(f"No runs in {RESULTS}; train some first (see --help).")
    rows = {}
    for r in runs:
        rows.setdefault(r["row"], []).append(r)
    lines = ["| config | seeds | epochs | training (min) | " + " | ".join(c for _, c in COLUMNS) + " |",
             "|---|---|---|---|" + "---|" * len(COLUMNS)]
    for row, group in rows.items():
        minutes = _mean_sd([r["train_seconds"] / 60 for r in group])
        cells = []
        for key, _ in COLUMNS:
            values = [r["final"][key] for r in group if key in r["final"]]
            mean, sd = _mean_sd(values) if values else (float("nan"), 0.0)
            cells.append(f"{mean:.3g} ± {sd:.2g}" if len(values) > 1 else f"{mean:.3g}")
        epochs = sorted({r["epochs"] for r in group})
        lines.append(f"| `{row}` | {len(group)} | {'/'.join(map(str, epochs))} | {minutes[0]:.1f} ± "
                     f"{minutes[1]:.1f} | " + " | ".join(cells) + " |")
    evals = [r["eval_seconds"] for r in runs]
    commands = sorted({re.sub(r"--seeds=\S+", "--seeds=<seed>", re.sub(r"--configs=\S+", "--configs=<config>",
                                                                             r["command"])) for r in runs})
    loads = [r["load_before"] for r in runs]
    note = (f"\n{runs[0]['eval_samples']}-sample evaluations took {min(evals):.0f}–{max(evals):.0f} s each "
            f"(sampling, classifier features, k-NN metrics; the classifier cached). Load average before the runs: "
            f"{min(loads):.1f}–{max(loads):.1f}. One run per config and seed: "
            + "; ".join(f"`{c}`" for c in commands) + ", then `python benchmarks/quality.py --report`.\n")
    table = "\n".join(lines) + "\n" + note
    files.atomic_write(TABLE, table)
    _paste_into_readme(table)
    _draw(rows)
    print(table)


def _paste_into_readme(table):
    text = open(README).read()
    start, end = MARKERS
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + start + "\n" + table + end + rest.split(end, 1)[1]
        files.atomic_write(README, text)


def _draw(rows):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 3.8), dpi=100)
    axes = figure.subplots(1, 3)
    for (row, group), color in zip(rows.items(), ("C0", "C1", "C2", "C3", "C4", "C5", "C6")):
        for metric, ax in zip(("frechet_distance", "recall", "coverage"), axes):
            for i, r in enumerate(group):
                xs = [p["train_seconds"] / 60 for p in r["curve"]]
                ys = [p[metric] for p in r["curve"]]
                ax.plot(xs, ys, "-o", color=color, ms=2, lw=1, alpha=0.8, label=row if i == 0 else None)
    for metric, ax in zip(("Fréchet distance (2k samples) ↓", "recall", "coverage"), axes):
        ax.set_xlabel("training wall-clock (min), 2 CPU cores")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    os.makedirs(os.path.dirname(PICTURE), exist_ok=True)
    figure.savefig(PICTURE)


def main(argv):
    del argv
    if FLAGS.report:
        report()
        return
    for name in FLAGS.configs:
        for seed in FLAGS.seeds:
            run(name, int(seed), FLAGS.epochs)


if __name__ == "__main__":
    app.run(main)
