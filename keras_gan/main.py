"""keras-gan: train, sample, evaluate and export GANs (Goodfellow et al., 2014) from the command line.

Usage:
  keras-gan train    --config=NAME --workdir=DIR [--epochs=N --batch_size=M --d_steps=K ...]
  keras-gan sample   --workdir=DIR [--num_samples=64 --seed=0 --output=FILE.png|.npy]
  keras-gan evaluate --workdir=DIR [--num_samples=10000 --seed=0]
  keras-gan export   --workdir=DIR [--export_dir=DIR/export --model_name=gan --version=N]

Configs: paper_mnist, paper_fashion_mnist, dcgan_fashion_mnist, toy_1d, toy_ring (keras_gan/configs/).
Running the same `train` command again resumes from the workdir's newest checkpoint; a larger --epochs trains on.
Also runnable as `python -m keras_gan ...`. Flags of this program: --helpshort; all flags: --helpfull.

Example:
  keras-gan train --config=dcgan_fashion_mnist --workdir=runs/dcgan --epochs=1
"""

import dataclasses
import json
import os
import sys

from absl import app
from absl import flags
from absl import logging

COMMANDS = ("train", "sample", "evaluate", "export")

# ---- what to run -----------------------------------------------------------------------------------------------
flags.DEFINE_string(
    "config", None,
    "Named config to train: paper_mnist, paper_fashion_mnist, dcgan_fashion_mnist, toy_1d or toy_ring. May be "
    "left out to resume a workdir (its config.json is used).")
flags.DEFINE_string(
    "workdir", None,
    "The run's folder: checkpoints, samples, logs, generator.keras. Created if missing; a workdir of another "
    "run is refused.")
# ---- config overrides (unset: the config's value) --------------------------------------------------------------
flags.DEFINE_integer("epochs", None, "Total epochs of the run (a resumed run trains up to this many).")
flags.DEFINE_integer("batch_size", None, "m, examples per discriminator/generator update (paper: 100).")
flags.DEFINE_integer("d_steps", None, "k, discriminator updates per generator update (paper: 1).")
flags.DEFINE_enum(
    "generator_loss", None, ["non_saturating", "minimax"],
    "non_saturating: G ascends log D(G(z)) (the paper's practice); minimax: G descends log(1 - D(G(z))).")
flags.DEFINE_integer("latent_dim", None, "Size of the noise vector z (paper: 100).")
flags.DEFINE_float(
    "learning_rate", None,
    "Initial learning rate of both players; --d_learning_rate / --g_learning_rate override it per player.")
flags.DEFINE_float("d_learning_rate", None, "Initial learning rate of the discriminator (paper: 0.1).")
flags.DEFINE_float("g_learning_rate", None, "Initial learning rate of the generator (paper: 0.1).")
flags.DEFINE_boolean("jit_compile", None, "Compile the train step with XLA (--nojit_compile: plain tf.function).")
flags.DEFINE_integer(
    "seed", None,
    "train: seeds weights, noise, dropout and data order. sample/evaluate: seeds the noise (default 0).")
flags.DEFINE_string(
    "dataset", None, "Image dataset to train on instead of the config's: fashion_mnist, mnist, or a TFDS name.")
flags.DEFINE_string(
    "local_dir", None,
    "Folder of IDX files (train-images-idx3-ubyte.gz, ...) for mnist/fashion_mnist; fashion_mnist defaults to "
    "Debian's /usr/share/datasets/fashion-mnist.")
flags.DEFINE_string("data_dir", None, "TFDS data folder (default ~/tensorflow_datasets).")
flags.DEFINE_integer("verbose", None, "0 silent, 1 progress bar (default), 2 one line per epoch.")
flags.DEFINE_boolean(
    "deterministic", False,
    "Bit-identical reruns and resumes: tf.config.experimental.enable_op_determinism(), one CPU thread, and no "
    "XLA (Keras turns jit_compile off under op determinism). Slower; for tests and debugging.")
# ---- sample / evaluate / export --------------------------------------------------------------------------------
flags.DEFINE_integer("num_samples", None, "sample: samples in the grid (default 64). evaluate: default 10000.")
flags.DEFINE_string(
    "output", None, "sample: file to write, .png (image grid) or .npy (raw samples). Default "
    "WORKDIR/samples/sample_seed<SEED>.png.")
flags.DEFINE_string("export_dir", None, "export: TF Serving model base folder (default WORKDIR/export).")
flags.DEFINE_string("model_name", "gan", "export: the model's name under --export_dir (TF Serving's MODEL_NAME).")
flags.DEFINE_integer("version", None, "export: version number (default: one above the highest existing).")
flags.DEFINE_boolean("parzen", True, "evaluate: also run the paper's Parzen-window estimate.")

FLAGS = flags.FLAGS

# Flags that override a config field of the same name.
_OVERRIDES = (
    "epochs", "batch_size", "d_steps", "generator_loss", "latent_dim", "d_learning_rate", "g_learning_rate",
    "jit_compile", "seed", "dataset", "local_dir", "data_dir", "verbose",
)


class CommandError(Exception):
    """A user error: printed as one message (what is wrong, what to do), exit status 2, nothing written."""


def config_from_flags():
    """The `Config` for `train`: the named config (or the workdir's) with the flags given applied.

    Returns:
        A validated `keras_gan.configs.Config`.

    Raises:
        CommandError: for a missing or unknown config, or an invalid value.
    """
    from keras_gan import configs, train_lib

    overrides = {name: getattr(FLAGS, name) for name in _OVERRIDES}
    if FLAGS.learning_rate is not None:
        for name in ("d_learning_rate", "g_learning_rate"):
            if overrides[name] is None:
                overrides[name] = FLAGS.learning_rate
    name = FLAGS.config
    if name is None:
        saved = os.path.join(FLAGS.workdir, train_lib.CONFIG_FILE)
        if not os.path.isfile(saved):
            raise CommandError(
                f"--config is required to start a run (one of: {', '.join(configs.CONFIG_NAMES)}); it may be left "
                f"out only to resume a workdir that holds {train_lib.CONFIG_FILE}."
            )
        with open(saved) as f:
            base = configs.Config.from_dict(json.load(f))
        try:
            return configs.validate(dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None}))
        except ValueError as e:
            raise CommandError(str(e)) from e
    try:
        return train_lib.config_with_overrides(name, **overrides)
    except ValueError as e:
        raise CommandError(str(e)) from e


def _train():
    from keras_gan import callbacks as callbacks_lib
    from keras_gan import train_lib

    config = config_from_flags()
    if FLAGS.deterministic and config.jit_compile:
        # Keras turns XLA off under op determinism anyway (with a warning); say so in the config instead.
        config = dataclasses.replace(config, jit_compile=False)
    try:
        train_lib.check_workdir(config, FLAGS.workdir)
    except train_lib.WorkdirError as e:
        raise CommandError(str(e)) from e
    try:
        result = train_lib.train_and_evaluate(config, FLAGS.workdir)
    except callbacks_lib.TrainingDiverged as e:
        raise CommandError(str(e)) from e
    summary = {k: result[k] for k in ("epoch", "resumed_from", "generator_path", "metrics")}
    print(json.dumps(summary, indent=2, default=str))


def _restore():
    from keras_gan import train_lib

    try:
        return train_lib.restore_from_workdir(FLAGS.workdir)
    except train_lib.WorkdirError as e:
        raise CommandError(str(e)) from e


def _sample():
    from keras_gan import train_lib

    gan, _, meta = _restore()
    seed = FLAGS.seed if FLAGS.seed is not None else 0
    num_samples = FLAGS.num_samples if FLAGS.num_samples is not None else 64
    if num_samples < 1:
        raise CommandError(f"--num_samples must be >= 1, got {num_samples}.")
    output = FLAGS.output or os.path.join(FLAGS.workdir, train_lib.SAMPLES_DIR, f"sample_seed{seed}.png")
    try:
        path = train_lib.sample_to_file(gan, output, num_samples, seed, meta.get("example_shape"))
    except ValueError as e:
        raise CommandError(str(e)) from e
    print(f"Wrote {num_samples} samples of epoch {meta['epoch']} to {path}")


def _evaluate():
    try:
        from keras_gan.metrics.evaluate import evaluate_generator
    except ImportError as e:
        raise CommandError(f"keras_gan.metrics.evaluate is not available in this installation ({e}).") from e
    gan, config, meta = _restore()
    datasets = {"toy_ring": "ring", "toy_grid": "grid"}
    if config.dataset == "toy_1d":
        raise CommandError(
            "evaluate has no metrics for toy_1d; look at WORKDIR/figure1/*.png and WORKDIR/metrics.json instead."
        )
    dataset = datasets.get(config.dataset, config.dataset)
    num_samples = FLAGS.num_samples if FLAGS.num_samples is not None else 10_000
    seed = FLAGS.seed if FLAGS.seed is not None else 0
    logging.info("Evaluating epoch %d of %s on %s.", meta["epoch"], FLAGS.workdir, dataset)
    try:
        evaluate_generator(
            gan, dataset, num_samples, FLAGS.workdir, local_dir=FLAGS.local_dir or config.local_dir,
            data_dir=FLAGS.data_dir or config.data_dir, seed=seed, parzen=FLAGS.parzen,
        )
    except ValueError as e:
        raise CommandError(str(e)) from e


def _export():
    try:
        from keras_gan.export import export_generator
    except ImportError as e:
        raise CommandError(f"keras_gan.export is not available in this installation ({e}).") from e
    gan, _, meta = _restore()
    export_dir = FLAGS.export_dir or os.path.join(FLAGS.workdir, "export")
    try:
        path = export_generator(gan, export_dir, model_name=FLAGS.model_name, version=FLAGS.version)
    except (ValueError, FileExistsError) as e:
        raise CommandError(str(e)) from e
    print(f"Exported the generator of epoch {meta['epoch']} to {path}")


def main(argv):
    """Runs the command named in `argv` (absl passes the arguments left after flag parsing)."""
    args = argv[1:]
    if len(args) != 1 or args[0] not in COMMANDS:
        got = " ".join(args) if args else "no command"
        _fail(f"expected one command, {', '.join(COMMANDS)}; got {got}. Example: keras-gan train "
              "--config=toy_ring --workdir=runs/ring. See --helpshort.")
    command = args[0]
    if not FLAGS.workdir:
        _fail(f"{command} needs --workdir=DIR (the run's folder).", command)
    if FLAGS.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # One thread per op and between ops: oneDNN (TF's CPU kernels) only promises the same result for the same
        # thread count, and whether a kernel gets the pool or runs inline can change from run to run on a busy
        # machine. Must run before TensorFlow executes its first op.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    try:
        {"train": _train, "sample": _sample, "evaluate": _evaluate, "export": _export}[command]()
    except CommandError as e:
        _fail(str(e), command)


def _fail(message, command=None):
    prefix = f"keras-gan {command}" if command else "keras-gan"
    print(f"{prefix}: error: {message}", file=sys.stderr)
    sys.exit(2)


def run():
    """Console-script entry point (`keras-gan`): parses flags with absl and runs `main`."""
    main_module = sys.modules.get("__main__")
    # absl prints the __main__ module's docstring for --help; the console-script shim has none.
    if main_module is not None and not getattr(main_module, "__doc__", None):
        main_module.__doc__ = __doc__
    # --helpshort lists the flags of the program being run (sys.argv[0]: the console-script shim or
    # keras_gan/__main__.py); make this module's flags theirs.
    for flag in FLAGS.get_key_flags_for_module(__name__):
        FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(main)


if __name__ == "__main__":
    run()
