"""keras-gan: train, sample, evaluate and export GANs (Goodfellow et al., 2014) from the command line.

Usage:
  keras-gan train    --config=NAME --workdir=DIR [--epochs=N --batch_size=M --d_steps=K ... any config field]
  keras-gan sample   --workdir=DIR [--num_samples=64 --seed=0 --output=FILE.png|.npy --label=C]
  keras-gan evaluate --workdir=DIR [--num_samples=10000 --seed=0 --noparzen]
  keras-gan export   --workdir=DIR [--export_dir=DIR/export --model_name=gan --version=N]

Configs are the modules of keras_gan/configs/ (paper_mnist, paper_fashion_mnist, dcgan_fashion_mnist, toy_1d,
toy_ring, ...); every field of keras_gan.configs.Config is a flag of the same name. Running the same `train`
command again resumes from the workdir's newest checkpoint; a larger --epochs trains on. Also runnable as
`python -m keras_gan ...`. Flags of this program: --helpshort; all flags: --helpfull.

TensorFlow's start-up lines are hidden; KERAS_GAN_TF_LOGS=1 shows them.

Your own data: --dataset=PATH (a folder of images, a .npy/.npz file), or --dataset=NAME --local_dir=DIR for a
folder of MNIST-format IDX files (their checksums are recorded on first use).

Example:
  keras-gan train --config=dcgan_fashion_mnist --workdir=runs/dcgan --epochs=1
"""

import dataclasses
import json
import logging as python_logging
import os
import sys
import typing


from absl import app
from absl import flags
from absl import logging

from keras_gan.configs.base import Config
from keras_gan.progress import logger

COMMANDS = ("train", "sample", "evaluate", "export")
FLAGS = flags.FLAGS

flags.DEFINE_string("config", None, "Named config to train (a module of keras_gan/configs/). May be left out to "
                    "resume a workdir.")
flags.DEFINE_string("workdir", None, "The run's folder: checkpoints, samples, logs, generator.keras. Created if "
                    "missing; a workdir of another run is refused.")
flags.DEFINE_float("learning_rate", None, "Initial learning rate of both players; --d_learning_rate / "
                   "--g_learning_rate override it per player.")
flags.DEFINE_boolean("deterministic", False, "Bit-identical reruns and resumes: op determinism, one CPU thread, no "
                     "XLA. Slower; for tests and debugging.")
flags.DEFINE_integer("num_samples", None, "sample: samples in the picture (default 64). evaluate: default 10000.")
flags.DEFINE_string("output", None, "sample: file to write, .png (picture) or .npy (raw samples). Default "
                    "WORKDIR/samples/sample_seed<SEED>.png.")
flags.DEFINE_integer("label", None, "sample: conditional models only, the class to draw; unset or -1: a "
                     "class-balanced mix (class i % C for sample i).")
flags.DEFINE_string("export_dir", None, "export: TF Serving model base folder (default WORKDIR/export).")
flags.DEFINE_string("model_name", "gan", "export: the model's name under --export_dir (TF Serving's MODEL_NAME).")
flags.DEFINE_integer("version", None, "export: version number (default: one above the highest existing).")
flags.DEFINE_boolean("parzen", True, "evaluate: also run the paper's Parzen-window estimate.")

_DEFINERS = {int: flags.DEFINE_integer, float: flags.DEFINE_float, bool: flags.DEFINE_boolean,
             str: flags.DEFINE_string}


def _base_type(annotation):
    # Optional[X] -> X; Tuple[int, ...] -> tuple.
    if typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return typing.get_origin(annotation) or annotation


def _define_config_flags():
    """One flag per `Config` field, typed and documented from the dataclass itself (unset: the config's value)."""
    hints = typing.get_type_hints(Config)
    for field in dataclasses.fields(Config):
        if field.name == "name":
            continue
        kind = _base_type(hints[field.name])
        help_text = field.metadata["help"]
        if kind is tuple:
            flags.DEFINE_list(field.name, None, help_text + " (comma-separated)")
        else:
            _DEFINERS[kind](field.name, None, help_text)


_define_config_flags()


class CommandError(Exception):
    """A user error: printed as one message (what is wrong, what to do), exit status 2."""


def _overrides():
    """The config fields given on the command line, converted to the field types."""
    overrides = {}
    for field in dataclasses.fields(Config):
        value = getattr(FLAGS, field.name, None) if field.name != "name" else None
        if value is None:
            continue
        if isinstance(value, list):
            try:
                value = tuple(int(v) for v in value)
            except ValueError:
                raise CommandError(f"--{field.name} takes comma-separated ints, got {','.join(value)!r}.") from None
        overrides[field.name] = value
    if FLAGS.learning_rate is not None:
        for name in ("d_learning_rate", "g_learning_rate"):
            overrides.setdefault(name, FLAGS.learning_rate)
    return overrides


def config_from_flags():
    """The `Config` for `train`: the named config (or the workdir's) with the flags given applied.

    Returns:
        A validated `keras_gan.configs.Config`.

    Raises:
        CommandError: for a missing or unknown config, or an invalid value.
    """
    from keras_gan import train_lib

    try:
        config = train_lib.config_with_overrides(FLAGS.config, FLAGS.workdir, **_overrides())
    except ValueError as e:
        raise CommandError(str(e)) from e
    if FLAGS.deterministic and config.jit_compile:
        # Keras turns XLA off under op determinism anyway (with a warning); say so in the config instead.
        config = dataclasses.replace(config, jit_compile=False)
    return config


def _train():
    from keras_gan import train_lib

    # train_and_evaluate checks the workdir before it writes anything.
    result = train_lib.train_and_evaluate(config_from_flags(), FLAGS.workdir)
    summary = {k: result[k] for k in ("epoch", "resumed_from", "generator_path", "metrics")}
    print(json.dumps(summary, indent=2, default=str))


def _sample():
    from keras_gan import train_lib

    gan, _, meta = train_lib.restore_from_workdir(FLAGS.workdir)
    seed = FLAGS.seed if FLAGS.seed is not None else 0
    num_samples = FLAGS.num_samples if FLAGS.num_samples is not None else 64
    if num_samples < 1:
        raise CommandError(f"--num_samples must be >= 1, got {num_samples}.")
    output = FLAGS.output or os.path.join(FLAGS.workdir, train_lib.SAMPLES_DIR, f"sample_seed{seed}.png")
    path = train_lib.sample_to_file(gan, output, num_samples, seed, labels=FLAGS.label)
    print(f"Wrote {num_samples} samples of epoch {meta['epoch']} to {path}")


def _evaluate():
    from keras_gan import train_lib
    from keras_gan.metrics import evaluate_generator

    gan, config, meta = train_lib.restore_from_workdir(FLAGS.workdir)
    num_samples = FLAGS.num_samples if FLAGS.num_samples is not None else 10_000
    logger.info("Evaluating epoch %d of %s on %s.", meta["epoch"], FLAGS.workdir, config.dataset)
    evaluate_generator(
        gan, config.dataset, num_samples, FLAGS.workdir, seed=FLAGS.seed if FLAGS.seed is not None else 0,
        parzen=FLAGS.parzen, local_dir=FLAGS.local_dir or config.local_dir, data_dir=FLAGS.data_dir or config.data_dir,
    )


def _export():
    from keras_gan import train_lib
    from keras_gan.export import export_generator

    gan, config, meta = train_lib.restore_from_workdir(FLAGS.workdir)
    export_dir = FLAGS.export_dir or os.path.join(FLAGS.workdir, "export")
    # The dataset says what the generator makes: images get the image signatures, points plain float samples.
    outputs = "images" if config.dataset_spec.kind == "images" else "vectors"
    path = export_generator(gan, export_dir, model_name=FLAGS.model_name, version=FLAGS.version, outputs=outputs)
    print(f"Exported the generator of epoch {meta['epoch']} to {path}")


def main(argv):
    """Runs the command named in `argv` (absl passes the arguments left after flag parsing)."""
    args = argv[1:]
    if len(args) != 1 or args[0] not in COMMANDS:
        got = " ".join(args) if args else "no command"
        _fail(f"expected one command, {', '.join(COMMANDS)}; got {got}. Example: keras-gan train "
              "--config=toy_ring --workdir=runs/ring. See --helpshort.")
    command = args[0]
    if not FLAGS["verbosity"].present:
        # The package's progress lines, without other libraries' INFO chatter (TFDS's reader, ...).
        logging.set_verbosity(logging.WARNING)
        python_logging.getLogger("keras_gan").setLevel(python_logging.INFO)
    if not FLAGS.workdir:
        _fail(f"{command} needs --workdir=DIR (the run's folder).", command)
    if FLAGS.deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        # One thread per op and between ops: oneDNN (TF's CPU kernels) only promises the same result for the same
        # thread count. Must run before TensorFlow executes its first op.
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    from keras_gan.callbacks import TrainingDiverged

    try:
        {"train": _train, "sample": _sample, "evaluate": _evaluate, "export": _export}[command]()
    except (CommandError, ValueError, ConnectionError, FileExistsError, TrainingDiverged) as e:
        # Every library error here (bad config, data, checkpoint, workdir) carries the fix in its message.
        _fail(str(e), command)
    except OSError as e:
        _fail(f"{e}. Nothing already written was lost; free disk space or fix the permissions, then run the same "
              "command again.", command)


def _fail(message, command=None):
    prefix = f"keras-gan {command}" if command else "keras-gan"
    print(f"{prefix}: error: {message}", file=sys.stderr)
    sys.exit(2)


def _parse_flags(argv):
    # absl exits with status 1 and a FATAL line on a malformed flag; a user error here is one message, status 2.
    try:
        return FLAGS(argv)
    except flags.Error as e:
        _fail(f"{e}. See --helpshort.")


def run():
    """Console-script entry point (`keras-gan`): parses flags with absl and runs `main`."""
    main_module = sys.modules.get("__main__")
    # absl prints the __main__ module's docstring for --help; the console-script shim has none.
    if main_module is not None and not getattr(main_module, "__doc__", None):
        main_module.__doc__ = __doc__
    # --helpshort lists the flags of the program being run (sys.argv[0]): make this module's flags theirs.
    for flag in FLAGS.get_key_flags_for_module(__name__):
        FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(main, flags_parser=_parse_flags)


if __name__ == "__main__":
    run()
