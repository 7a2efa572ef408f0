"""Training as a library: `train_and_evaluate(config, workdir)` trains, checkpoints and resumes a GAN.

The command line (`keras_gan.main`) only turns flags into a `Config` and calls these functions. Every choice is
read from a registry: the dataset (`keras_gan.data.get_dataset`), the networks (`keras_gan.networks.ARCHITECTURES`),
the losses (`keras_gan.losses.LOSSES`); the batches come from the one input pipeline
(`keras_gan.data.pipeline.epoch_batches`) and the end-of-training figures from the one evaluation function
(`keras_gan.metrics.evaluate`).

Workdir layout (everything a run writes):

    workdir/
      config.json                the run's config; a later run in this workdir must match it (except the
                                 fields in configs.RESUMABLE_FIELDS, e.g. --epochs)
      checkpoints/               tf.train checkpoints of the whole training state (keras_gan.checkpoints)
      samples/epoch_NNNN.png     G(z) for one fixed latent batch after each epoch
      figure1/epoch_NNNN.png     toy_1d only: the paper's Figure 1 at `figure1_epochs`
      tensorboard/train/         TensorBoard scalars per epoch: d_loss, g_loss, d_real, d_fake, epoch_seconds
      tensorboard/samples/       TensorBoard images: the sample grids
      log.csv                    the same scalars, one row per epoch (kept consistent across resumes)
      generator.keras            the generator that samples (the weight average with --ema_decay, else the trained
                                 one): keras.models.load_model (after `import keras_gan`)
      gan.keras                  the whole GAN, optimizer state included
      metrics.json               the end-of-training evaluation (`eval_samples`; toy datasets by default)

Resuming: the same command again continues from the newest checkpoint. A checkpoint holds every variable of both
networks (batch-norm statistics and the dropout / noise random-stream states included) and of both optimizers;
the data order of epoch e is a function of (seed, e) alone. So a run killed at any moment and restarted ends with
the same weights as one never interrupted (bit for bit under `--deterministic`).
"""

import dataclasses
import json
import os

import keras
import numpy as np

from keras_gan import callbacks as callbacks_lib
from keras_gan import checkpoints
from keras_gan import configs as configs_lib
from keras_gan import distribute, files, networks, pictures, schedules
from keras_gan.data import pipeline
from keras_gan.conditional import ConditionalGAN
from keras_gan.gan import GAN
from keras_gan.metrics.evaluation import evaluate
from keras_gan.progress import logger

__all__ = [
    "WorkdirError",
    "build_gan",
    "check_workdir",
    "config_with_overrides",
    "load_examples",
    "load_labelled_examples",
    "resolve_num_classes",
    "restore_from_workdir",
    "sample_to_file",
    "train_and_evaluate",
]

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
FIGURE1_DIR = "figure1"
TENSORBOARD_DIR = "tensorboard"
CSV_LOG = "log.csv"
GENERATOR_FILE = "generator.keras"
GAN_FILE = "gan.keras"
METRICS_FILE = "metrics.json"

# Fixed seeds (offsets from config.seed) of the picture and evaluation latents, so they never touch the training
# noise stream.
_GRID_SEED_OFFSET = 7919
_EVAL_SEED_OFFSET = 104729
# End-of-training evaluation of point datasets when `eval_samples` is unset (cheap: no classifier).
_DEFAULT_POINT_EVAL_SAMPLES = 2500


class WorkdirError(ValueError):
    """The workdir cannot be used for this run (a file, or another run's checkpoints); nothing was written."""


def load_examples(config):
    """The training split of `config`'s dataset as one in-memory array.

    Args:
        config: A `Config`.

    Returns:
        (examples float32 np.ndarray [N, ...] with pixels in [0, 1], example_shape): (H, W, C) for images, (d,) for
        points.

    Raises:
        ValueError: if the dataset cannot be loaded (the message says where it looked and what to pass).
    """
    examples, _, example_shape = load_labelled_examples(config)
    return examples, example_shape


def load_labelled_examples(config):
    """The training split of `config`'s dataset with its labels (None when the source has none).

    Args:
        config: A `Config`.

    Returns:
        (examples float32 [N, ...], labels int64 [N] or None, example_shape).

    Raises:
        ValueError: if the dataset cannot be loaded.
    """
    examples, labels = config.dataset_spec.load(
        config.split, seed=config.seed, num_examples=config.num_examples, data_dir=config.data_dir,
        local_dir=config.local_dir,
    )
    examples = np.asarray(examples, np.float32)
    return examples, labels, tuple(int(d) for d in examples.shape[1:])


def resolve_num_classes(config, labels):
    """The number of classes a conditional config trains: `config.num_classes`, else the largest label + 1.

    Args:
        config: A `Config` with a conditional architecture.
        labels: Int array [N] of the training labels, or None.

    Returns:
        Int >= 2.

    Raises:
        ValueError: if the dataset has no labels, a label is negative or not below `num_classes`, or fewer than
            two classes are found. Each message names the fix.
    """
    if labels is None:
        raise ValueError(
            f"architecture {config.architecture!r} is conditional (G and D take class labels), but dataset "
            f"{config.dataset!r} has no labels. Use a labelled dataset (a TFDS dataset with a label feature, a folder "
            "with one subfolder per class, a .npz with y/labels, IDX label files), or an unconditional architecture "
            "such as --architecture=dcgan."
        )
    labels = np.asarray(labels)
    if len(labels) and labels.min() < 0:
        raise ValueError(f"dataset {config.dataset!r} has label {int(labels.min())}; class labels must be >= 0.")
    found = int(labels.max()) + 1 if len(labels) else 0
    if config.num_classes is not None:
        if found > config.num_classes:
            raise ValueError(
                f"dataset {config.dataset!r} has label {found - 1}, but --num_classes={config.num_classes}; labels must "
                f"be 0..num_classes-1. Pass --num_classes={found} or more, or leave it unset to read it off the labels."
            )
        return config.num_classes
    if found < 2:
        raise ValueError(f"dataset {config.dataset!r} has labels of {found} class(es); a conditional GAN needs at "
                         "least 2. Use an unconditional architecture such as --architecture=dcgan.")
    return found


def _optimizer(config, initial_learning_rate, name):
    learning_rate = float(initial_learning_rate)
    if config.lr_decay_factor != 1:
        learning_rate = schedules.DecayWithFloor(learning_rate, config.lr_decay_factor, config.min_learning_rate)
    if config.optimizer == "sgd":
        return schedules.ScheduledSGD(learning_rate=learning_rate, momentum=config.initial_momentum, name=name)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=config.beta_1, beta_2=config.beta_2, name=name)


def _steps_per_execution(config, steps):
    # Keras runs whole executions even across an epoch's end, so an execution that straddled two epochs would
    # put epoch e's last steps after its checkpoint. Use the largest divisor of the epoch's steps allowed.
    return max(d for d in range(1, min(config.steps_per_execution, steps) + 1) if steps % d == 0)


def build_gan(config, example_shape, examples=None, steps_per_epoch=None, num_classes=None):
    """Builds and compiles the GAN of `config`, with both optimizers built (ready to restore a checkpoint).

    Args:
        config: A validated `Config`.
        example_shape: (H, W, C) of the images or (d,) of points.
        examples: Training examples, for architectures that initialise from the data (the paper's G output bias);
            None when weights are about to be restored.
        steps_per_epoch: Optional int; `config.steps_per_execution` is lowered to a divisor of it, so that
            executions never straddle an epoch's end (where checkpoints are taken).
        num_classes: Conditional architectures: the number of classes (`resolve_num_classes`); default
            `config.num_classes`.

    Returns:
        A compiled `keras_gan.GAN`, or a `keras_gan.ConditionalGAN` for a conditional architecture.

    Raises:
        ValueError: for a conditional architecture without a number of classes.
    """
    architecture = networks.get_architecture(config.architecture)
    kwargs = dict(
        latent_dim=config.latent_dim, d_steps=config.d_steps, noise=config.noise, noise_scale=config.noise_scale,
        seed=config.seed, ema_decay=config.ema_decay,
    )
    if architecture.conditional:
        num_classes = num_classes or config.num_classes
        if num_classes is None:
            raise ValueError(f"architecture {config.architecture!r} is conditional: pass num_classes (or set "
                             "--num_classes).")
        config = dataclasses.replace(config, num_classes=int(num_classes))
    generator, discriminator, joint = architecture.build(config, tuple(example_shape), examples)
    if architecture.conditional:
        gan = ConditionalGAN(generator, discriminator, num_classes=config.num_classes,
                             label_distribution=config.label_distribution, joint_discriminator_pass=joint, **kwargs)
    else:
        gan = GAN(generator, discriminator, joint_discriminator_pass=joint, **kwargs)
    gan.compile(
        d_optimizer=_optimizer(config, config.d_learning_rate, "d_optimizer"),
        g_optimizer=_optimizer(config, config.g_learning_rate, "g_optimizer"),
        generator_loss=config.generator_loss,
        gradient_penalty=config.gradient_penalty,
        r1_penalty=config.r1_penalty,
        r1_interval=config.r1_interval,
        jit_compile=config.jit_compile,
        steps_per_execution=(
            _steps_per_execution(config, steps_per_epoch) if steps_per_epoch else config.steps_per_execution
        ),
    )
    return gan


# ----------------------------------------------------------------------------------------------------------------
# Workdir
# ----------------------------------------------------------------------------------------------------------------


def _read_saved_config(workdir):
    """The config dict a workdir's run was started with (config.json, else the newest checkpoint's), or None."""
    path = os.path.join(workdir, CONFIG_FILE)
    if os.path.exists(path):
        try:
            with open(path) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            raise WorkdirError(
                f"{path} cannot be read ({e}); it is not a keras_gan workdir's config. Use another --workdir."
            ) from e
    try:
        meta = checkpoints.latest_metadata(os.path.join(workdir, CHECKPOINT_DIR))
    except checkpoints.CheckpointError as e:
        raise WorkdirError(str(e)) from e
    return None if meta is None else meta.get("config")


def check_workdir(config, workdir):
    """Checks that `workdir` can hold this run, before anything is written.

    Args:
        config: The `Config` to train.
        workdir: Str, the run's folder (may be missing).

    Raises:
        WorkdirError: if `workdir` is a file, holds checkpoints of the old format, or its config (config.json or
            the newest checkpoint's) differs from `config` outside `configs.RESUMABLE_FIELDS`. The message lists
            the differences and what to do.
    """
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise WorkdirError(f"--workdir={workdir} is a file, not a folder. Pass a folder path (it is created if missing).")
    saved = _read_saved_config(workdir)
    if saved is None:
        return
    current = config.to_dict()
    keys = sorted((set(saved) | set(current)) - set(configs_lib.RESUMABLE_FIELDS))
    differences = [(k, saved.get(k, "<missing>"), current.get(k, "<missing>")) for k in keys
                   if saved.get(k) != current.get(k)]
    if differences:
        listing = "; ".join(f"{k}: {old!r} there, {new!r} now" for k, old, new in differences[:6])
        raise WorkdirError(
            f"--workdir={workdir} holds another run (config {saved.get('name')!r}): {listing}. Nothing was changed. "
            f"Use a new --workdir, pass the flags of that run to resume it, or delete {workdir} to start over."
        )


def config_with_overrides(name=None, workdir=None, **overrides):
    """The config to train: the named one, or the one a workdir was started with, with overrides applied.

    The one place that merges a resumed run's config with new flags.

    Args:
        name: Optional config name (see `keras_gan.configs.CONFIG_NAMES`).
        workdir: Optional workdir whose config is used when `name` is None.
        **overrides: Config fields; None values are ignored (the flag was not given).

    Returns:
        A validated `Config`.

    Raises:
        ValueError: for an unknown name or field, an invalid value, or neither a name nor a resumable workdir.

    Example:
        >>> config_with_overrides("toy_ring", epochs=2).epochs
        2
    """
    if name is not None:
        config = configs_lib.get_config(name)
    else:
        saved = _read_saved_config(workdir) if workdir else None
        if saved is None:
            raise ValueError(
                f"--config is required to start a run (one of: {', '.join(configs_lib.CONFIG_NAMES)}); it may be "
                f"left out only to resume a workdir that holds a run."
            )
        config = configs_lib.Config.from_dict(saved)
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"Unknown config fields {unknown}; known fields: {sorted(fields)}.")
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return configs_lib.validate(config)


def _save_keras(model, path):
    with files.atomic_path(path) as tmp:
        model.save(tmp)


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------


def _callbacks(config, workdir, examples, example_shape, metadata, initial_epoch):
    spec = config.dataset_spec
    tensorboard_dir = os.path.join(workdir, TENSORBOARD_DIR)
    callbacks = []
    if config.optimizer == "sgd" and config.initial_momentum != config.final_momentum:
        callbacks.append(schedules.MomentumScheduler(schedules.LinearMomentum(
            config.initial_momentum, config.final_momentum, config.momentum_start_epoch,
            config.momentum_saturate_epoch,
        )))
    callbacks.append(callbacks_lib.EpochTimer())
    callbacks.append(callbacks_lib.SampleGrid(
        os.path.join(workdir, SAMPLES_DIR), num_samples=config.num_grid_samples,
        seed=config.seed + _GRID_SEED_OFFSET, every_epochs=config.sample_every_epochs,
        reference=examples if spec.kind == "points" else None,
        tensorboard_dir=os.path.join(tensorboard_dir, "samples"),
    ))
    if spec.evaluation == "moments" and config.figure1_epochs:
        callbacks.append(callbacks_lib.Figure1Plot(
            os.path.join(workdir, FIGURE1_DIR), epochs=config.figure1_epochs, data=examples,
            data_mean=spec.mean, data_stddev=spec.stddev, seed=config.seed + _GRID_SEED_OFFSET,
        ))
    callbacks.append(keras.callbacks.TensorBoard(log_dir=tensorboard_dir, write_graph=False, profile_batch=0))
    csv_log = callbacks_lib.CSVLog(os.path.join(workdir, CSV_LOG))
    csv_log.trim(initial_epoch)
    callbacks.append(csv_log)
    # A diverged epoch stops the run before it can be checkpointed.
    callbacks.append(callbacks_lib.StopOnDivergence())
    # Last, so everything an epoch writes is on disk before the checkpoint that marks it done.
    callbacks.append(callbacks_lib.GANCheckpoint(
        os.path.join(workdir, CHECKPOINT_DIR), metadata=metadata, keep=config.keep_checkpoints
    ))
    return callbacks


def _eval_samples(config):
    if config.eval_samples is not None:
        return config.eval_samples
    return _DEFAULT_POINT_EVAL_SAMPLES if config.is_toy else 0


def train_and_evaluate(config, workdir):
    """Trains the GAN of `config` in `workdir`, resuming from its newest checkpoint if there is one.

    Writes the workdir layout described in this module's docstring. Running the same call again after a crash
    (even `kill -9` mid-checkpoint) continues where the last complete checkpoint left off; with a larger
    `config.epochs` it trains further.

    Args:
        config: A `keras_gan.configs.Config`.
        workdir: Str, the run's folder (created if missing).

    Returns:
        Dict: `epoch` (epochs completed), `resumed_from` (checkpoint epoch or 0), `history` (per-epoch metrics of
        this call), `metrics` (the end-of-training evaluation's model row, or {}), `generator_path`, `workdir`.

    Raises:
        ValueError: for an invalid config or data (the message names the flag or file to fix).
        WorkdirError: if `workdir` is a file or holds another run's config or checkpoints; nothing is written.
        keras_gan.checkpoints.CheckpointError: if a checkpoint cannot be written (a full disk); the previous one
            stays intact.

    Example:
        >>> import dataclasses
        >>> from keras_gan import configs, train_lib
        >>> config = dataclasses.replace(configs.get_config("toy_ring"), epochs=2)
        >>> train_lib.train_and_evaluate(config, "/tmp/ring")["epoch"]  # doctest: +SKIP
        2
    """
    configs_lib.validate(config)
    # First: MultiWorkerMirroredStrategy must exist before TensorFlow runs an op.
    strategy = distribute.get_strategy(config.strategy)
    replicas = strategy.num_replicas_in_sync
    distribute.check_batch_size(config.batch_size, replicas)
    # Every worker runs the whole program (checkpoints and sampling are collective); the chief writes `workdir`,
    # the others a scratch folder of their own. All resume from the chief's checkpoints.
    run_dir = os.fspath(workdir)
    workdir = distribute.worker_workdir(run_dir, strategy)
    check_workdir(config, workdir)
    config = dataclasses.replace(
        config, steps_per_execution=distribute.steps_per_execution(config.steps_per_execution, strategy))

    keras.utils.set_random_seed(config.seed)
    examples, labels, example_shape = load_labelled_examples(config)
    conditional = networks.get_architecture(config.architecture).conditional
    num_classes = resolve_num_classes(config, labels) if conditional else None
    steps = pipeline.steps_per_epoch(len(examples), config.batch_size, config.d_steps)
    with strategy.scope():
        gan = build_gan(config, example_shape, examples, steps, num_classes=num_classes)
    checkpoint_dir = os.path.join(run_dir, CHECKPOINT_DIR)
    try:
        meta = checkpoints.Checkpointer(gan, checkpoint_dir).restore_latest()
    except checkpoints.CheckpointError as e:
        raise WorkdirError(str(e)) from e
    initial_epoch = int(meta["epoch"]) if meta else 0
    if initial_epoch:
        logger.info("Resuming %s from epoch %d (%s).", config.name, initial_epoch, workdir)
    os.makedirs(workdir, exist_ok=True)
    for folder in (workdir, os.path.join(workdir, SAMPLES_DIR), os.path.join(workdir, FIGURE1_DIR)):
        files.remove_stale_temporaries(folder)
    if not os.path.exists(os.path.join(workdir, CONFIG_FILE)):
        files.atomic_write(os.path.join(workdir, CONFIG_FILE), json.dumps(config.to_dict(), indent=2, sort_keys=True))
    metadata = {"config": config.to_dict(), "example_shape": list(example_shape)}
    if conditional:
        metadata["num_classes"] = num_classes

    history = {}
    if initial_epoch < config.epochs:
        dataset = pipeline.epoch_batches(
            (examples, labels) if conditional else examples, batch_size=config.batch_size, d_steps=config.d_steps, seed=config.seed, epochs=config.epochs,
            initial_epoch=initial_epoch,
        )
        # Each replica's share holds its slice of all k minibatches, as one device splits the batch.
        dataset = distribute.minibatch_major(dataset, config.d_steps, replicas)
        logger.info("Training %s: epochs %d..%d, %d steps of %d examples each%s.", config.name, initial_epoch + 1,
                     config.epochs, steps, config.batch_size * config.d_steps,
                     f" over {replicas} replicas ({config.strategy})" if replicas > 1 else "")
        fit = gan.fit(
            dataset, epochs=config.epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
            verbose=config.verbose,
            callbacks=_callbacks(config, workdir, examples, example_shape, metadata, initial_epoch),
        )
        history = {k: [float(v) for v in values] for k, values in fit.history.items()}
    else:
        logger.info("%s already holds %d epochs (--epochs=%d): nothing to train.", workdir, initial_epoch,
                     config.epochs)

    generator_path = os.path.join(workdir, GENERATOR_FILE)
    if history or not os.path.exists(generator_path):
        _save_keras(gan.sampling_generator, generator_path)
        _save_keras(gan, os.path.join(workdir, GAN_FILE))
    metrics = {}
    if _eval_samples(config):
        results = evaluate(
            gan, config.dataset, _eval_samples(config), seed=config.seed + _EVAL_SEED_OFFSET, parzen=False,
            reference=False, data_dir=config.data_dir, local_dir=config.local_dir,
        )
        metrics = results["model"]
        files.atomic_write(os.path.join(workdir, METRICS_FILE), json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return {
        "epoch": max(initial_epoch, config.epochs if history else initial_epoch),
        "resumed_from": initial_epoch,
        "history": history,
        "metrics": metrics,
        "generator_path": generator_path,
        "workdir": workdir,
    }


# ----------------------------------------------------------------------------------------------------------------
# Using a workdir
# ----------------------------------------------------------------------------------------------------------------


def restore_from_workdir(workdir):
    """Rebuilds the GAN of a workdir from its newest checkpoint (also while it is still training).

    Args:
        workdir: Str, a folder written by `train_and_evaluate`.

    Returns:
        (gan, config, metadata): the restored compiled GAN, its `Config`, and the checkpoint's metadata
        (`epoch`, `example_shape`, ...).

    Raises:
        WorkdirError: if the workdir holds no readable checkpoint, or one of another model.
    """
    workdir = os.fspath(workdir)
    directory = os.path.join(workdir, CHECKPOINT_DIR)
    try:
        meta = checkpoints.latest_metadata(directory)
        if meta is None:
            raise WorkdirError(
                f"--workdir={workdir} holds no checkpoint (looked in {directory}). Train first: keras-gan train "
                f"--config=<name> --workdir={workdir}"
            )
        config = configs_lib.Config.from_dict(meta["config"])
        gan = build_gan(config, tuple(meta["example_shape"]), num_classes=meta.get("num_classes"))
        meta = checkpoints.Checkpointer(gan, directory).restore_latest()
    except checkpoints.CheckpointError as e:
        raise WorkdirError(str(e)) from e
    return gan, config, meta


def sample_to_file(gan, output, num_samples=64, seed=0, labels=None):
    """Draws samples and writes them as a PNG picture (`.png`) or an array (`.npy`).

    Args:
        gan: A `keras_gan.GAN` or `keras_gan.ConditionalGAN`.
        output: Str path ending in ".png" or ".npy".
        num_samples: Positive int.
        seed: Int; the same seed gives the same samples.
        labels: ConditionalGAN only: None or -1 for a class-balanced mix, or a class index.

    Returns:
        Str, the written path.

    Raises:
        ValueError: for another file suffix, a non-positive `num_samples`, labels for an unconditional GAN, or a
            label outside the model's classes.
        OSError: if the file cannot be written; an existing file is left as it was.
    """
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in (".png", ".npy"):
        raise ValueError(f"--output must end in .png (a picture) or .npy (the raw samples), got {output!r}.")
    if isinstance(gan, ConditionalGAN):
        samples = gan.generate(num_samples, labels=labels, seed=seed)
    elif labels is not None:
        raise ValueError("--label is for conditional models (architecture cgan or cgan_projection); this GAN is "
                         "unconditional. Leave --label out.")
    else:
        samples = gan.generate(num_samples, seed=seed)
    if suffix == ".npy":
        with files.atomic_path(output) as tmp:
            np.save(tmp, samples)
        return output
    flat = samples.reshape(len(samples), -1)
    if flat.shape[1] > 2:
        samples, _ = pictures.to_unit_range(samples, "auto")
    files.atomic_write(output, pictures.encode_png(pictures.picture(samples)))
    return output
