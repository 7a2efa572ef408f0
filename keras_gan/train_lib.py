"""Training as a library: `train_and_evaluate(config, workdir)` trains, checkpoints and resumes a GAN.

The command line (`keras_gan.main`) only turns flags into a `Config` and calls these functions.

Workdir layout (everything a run writes):

    workdir/
      config.json                the run's config; a later run in this workdir must match it (except the
                                 fields in configs.RESUMABLE_FIELDS, e.g. --epochs)
      checkpoints/ckpt-NNNN.npz  complete training state after epoch NNNN (the newest `keep_checkpoints`)
      samples/epoch_NNNN.png     G(z) for one fixed latent batch after each epoch
      figure1/epoch_NNNN.png     toy_1d only: the paper's Figure 1 at `figure1_epochs`
      tensorboard/train/         TensorBoard scalars per epoch: d_loss, g_loss, d_real, d_fake, epoch_seconds
      tensorboard/samples/       TensorBoard images: the sample grids
      log.csv                    the same scalars, one row per epoch (kept consistent across resumes)
      generator.keras            the trained generator: keras.models.load_model (after `import keras_gan`)
      gan.keras                  the whole GAN, optimizer state included
      metrics.json               what training evaluated at the end (mode coverage for 2-D toys)

Resuming: the same command again continues from the newest checkpoint. A checkpoint holds every variable of both
networks (batch-norm statistics and the dropout / noise RNG states included) and of both optimizers (slots,
update counters that drive the learning-rate decay, the scheduled momentum); the data order of epoch e is a
function of (seed, e) alone. So a run killed at any moment and restarted ends with the same weights as one
never interrupted (bit for bit under `tf.config.experimental.enable_op_determinism()`).
"""

import dataclasses
import io
import json
import math
import os

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from keras_gan import callbacks as callbacks_lib
from keras_gan import configs as configs_lib
from keras_gan import networks
from keras_gan import schedules
from keras_gan.data import toy
from keras_gan.gan import GAN

__all__ = [
    "WorkdirError",
    "build_gan",
    "check_workdir",
    "config_with_overrides",
    "epoch_dataset",
    "load_examples",
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

# toy_1d's data: N(0, 0.5²). Centred on purpose: the toy MLPs' units start with zero biases, so their kinks sit at
# x = 0; with data around 4 (keras_gan.data.toy's default) every discriminator unit is linear over the data, D can
# only compare means, and training stalls at D = 1/2 with p_g still twice as wide as the data (measured).
_TOY_1D_MEAN, _TOY_1D_STDDEV = 0.0, 0.5
# Fixed seeds (offsets from config.seed) of the picture latents, so pictures never touch the training stream.
_GRID_SEED_OFFSET = 7919
_EVAL_SEED_OFFSET = 104729


class WorkdirError(ValueError):
    """The workdir cannot be used for this run (a file, or another run's checkpoints); nothing was written."""


# ----------------------------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------------------------


def load_examples(config):
    """The training examples of `config` as one in-memory array.

    Image datasets come from `keras_gan.data.load_arrays` (pixels in [0, 1]); the "paper" architecture gets
    them flattened to vectors. Toy datasets are drawn once from `keras_gan.data.toy`, seeded by `config.seed`.

    Args:
        config: A `Config`.

    Returns:
        (examples float32 np.ndarray [N, ...], example_shape) where example_shape is (H, W, C) for images (before
        flattening) and (d,) for toy points.

    Raises:
        ValueError: if the dataset cannot be loaded (the message says where it looked and what to pass).
    """
    if config.dataset == "toy_1d":
        points = toy.sample_gaussian_1d(config.num_examples, _TOY_1D_MEAN, _TOY_1D_STDDEV, seed=config.seed)
    elif config.dataset == "toy_ring":
        points = toy.sample_mixture(config.num_examples, toy.ring_modes(), toy.RING_STDDEV, seed=config.seed)
    elif config.dataset == "toy_grid":
        points = toy.sample_mixture(config.num_examples, toy.grid_modes(), toy.GRID_STDDEV, seed=config.seed)
    else:
        from keras_gan import data as data_lib

        load_arrays = getattr(data_lib, "load_arrays", None)
        if load_arrays is None:
            raise ValueError(
                "keras_gan.data.load_arrays is not available in this installation, so image datasets cannot be "
                "loaded; use a toy config (toy_1d, toy_ring) or update keras_gan."
            )
        images, _ = load_arrays(config.dataset, split=config.split, data_dir=config.data_dir, local_dir=config.local_dir)
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 3:
            images = images[..., None]
        example_shape = tuple(int(d) for d in images.shape[1:])
        if config.architecture == "paper":
            images = images.reshape(len(images), -1)
        return images, example_shape
    return points.astype(np.float32), tuple(int(d) for d in points.shape[1:])


def steps_per_epoch(num_examples, config):
    """Training steps per epoch: full batches of k·m examples (the remainder is dropped, reshuffled next epoch)."""
    return num_examples // (config.batch_size * config.d_steps)


def epoch_dataset(examples, config, initial_epoch=0):
    """Batches for epochs `initial_epoch` .. `config.epochs - 1`, in an order that depends on (seed, epoch) only.

    Epoch e visits the examples in the order of a stateless shuffle seeded by (config.seed, e), cut into
    batches of k·m (drop remainder). So a run resumed at epoch e sees exactly the batches an uninterrupted run
    sees, with no iterator state to checkpoint.

    Args:
        examples: Array [N, ...] of training examples.
        config: A `Config` (batch_size, d_steps, seed, epochs).
        initial_epoch: Int, the first (0-based) epoch to yield.

    Returns:
        (dataset, steps_per_epoch): a `tf.data.Dataset` of float32 [k·m, ...] batches, finite, holding exactly
        (epochs - initial_epoch) · steps_per_epoch batches.

    Raises:
        ValueError: if there are fewer than k·m examples.
    """
    per_step = config.batch_size * config.d_steps
    steps = steps_per_epoch(len(examples), config)
    if steps < 1:
        raise ValueError(
            f"The training data has {len(examples)} examples, fewer than one step's d_steps * batch_size = "
            f"{per_step}. Lower --batch_size or --d_steps."
        )
    data = tf.constant(examples)
    n = len(examples)
    seed = int(config.seed)

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        batches = tf.reshape(order[: steps * per_step], (steps, per_step))
        return tf.data.Dataset.from_tensor_slices(batches).map(lambda idx: tf.gather(data, idx))

    epochs = tf.data.Dataset.range(initial_epoch, config.epochs)
    return epochs.flat_map(one_epoch).prefetch(tf.data.AUTOTUNE), steps


# ----------------------------------------------------------------------------------------------------------------
# Model
# ----------------------------------------------------------------------------------------------------------------


def _learning_rate(config, initial):
    if config.lr_decay_factor == 1:
        return float(initial)
    return schedules.DecayWithFloor(initial, config.lr_decay_factor, config.min_learning_rate)


def _optimizer(config, initial_learning_rate, name):
    learning_rate = _learning_rate(config, initial_learning_rate)
    if config.optimizer == "sgd":
        return schedules.ScheduledSGD(learning_rate=learning_rate, momentum=config.initial_momentum, name=name)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=config.beta_1, name=name)


def _steps_per_execution(config, steps):
    # Keras runs whole executions even across an epoch's end, so an execution that straddled two epochs would
    # put epoch e's last steps after its checkpoint. Use the largest divisor of the epoch's steps allowed.
    return max(d for d in range(1, min(config.steps_per_execution, steps) + 1) if steps % d == 0)


def build_gan(config, example_shape, examples=None, steps_per_epoch=None):
    """Builds and compiles the GAN of `config`, with both optimizers built (ready to restore a checkpoint).

    Args:
        config: A validated `Config`.
        example_shape: (H, W, C) of the images or (d,) of toy points.
        examples: Training examples, used by the "paper" architecture to set G's output bias from the data
            marginals (`config.output_bias_from_data`); None leaves it at zero (e.g. before restoring weights).
        steps_per_epoch: Optional int; `config.steps_per_execution` is lowered to a divisor of it, so that
            executions never straddle an epoch's end (where checkpoints are taken).

    Returns:
        A compiled `keras_gan.GAN`.
    """
    seed = config.seed
    if config.architecture == "paper":
        size = math.prod(example_shape)
        bias = None
        if examples is not None and config.output_bias_from_data:
            bias = networks.output_bias_from_data(examples)
        generator = networks.paper_generator(config.latent_dim, output_shape=(size,), output_bias=bias, seed=seed)
        discriminator = networks.paper_discriminator(input_shape=(size,), seed=seed + 10_000)
    elif config.architecture == "dcgan":
        generator = networks.dcgan_generator(
            config.latent_dim, output_shape=example_shape, base_filters=config.base_filters, seed=seed
        )
        discriminator = networks.dcgan_discriminator(
            input_shape=example_shape, base_filters=config.base_filters, seed=seed + 10_000
        )
    else:
        (dim,) = example_shape
        generator = networks.mlp_generator(config.latent_dim, dim, hidden_units=config.hidden_units, seed=seed)
        discriminator = networks.mlp_discriminator(dim, hidden_units=config.hidden_units, seed=seed + 10_000)
    gan = GAN(
        generator, discriminator, latent_dim=config.latent_dim, d_steps=config.d_steps, noise=config.noise,
        noise_scale=config.noise_scale, seed=seed,
    )
    gan.compile(
        d_optimizer=_optimizer(config, config.d_learning_rate, "d_optimizer"),
        g_optimizer=_optimizer(config, config.g_learning_rate, "g_optimizer"),
        generator_loss=config.generator_loss,
        jit_compile=config.jit_compile,
        steps_per_execution=(
            _steps_per_execution(config, steps_per_epoch) if steps_per_epoch else config.steps_per_execution
        ),
    )
    # Create the optimizer slots now, so a checkpoint can be restored before the first step.
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    gan.g_optimizer.build(gan.generator.trainable_variables)
    return gan


# ----------------------------------------------------------------------------------------------------------------
# Workdir
# ----------------------------------------------------------------------------------------------------------------


def _differences(saved, config):
    """Fields (outside RESUMABLE_FIELDS) whose values differ between a saved config dict and `config`."""
    current = config.to_dict()
    keys = sorted((set(saved) | set(current)) - set(configs_lib.RESUMABLE_FIELDS))
    return [(k, saved.get(k, "<missing>"), current.get(k, "<missing>")) for k in keys if saved.get(k) != current.get(k)]


def check_workdir(config, workdir):
    """Checks that `workdir` can hold this run, before anything is written.

    Args:
        config: The `Config` to train.
        workdir: Str, the run's folder (may be missing).

    Returns:
        The workdir's checkpoints, [(epoch, path)] oldest first (empty for a new run).

    Raises:
        WorkdirError: if `workdir` is a file, or its config.json / newest checkpoint belongs to a run whose config
            differs outside `configs.RESUMABLE_FIELDS`. The message lists the differences and what to do.
    """
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise WorkdirError(
            f"--workdir={workdir} is a file, not a folder. Pass a folder path (it is created if missing)."
        )
    checkpoints = callbacks_lib.list_checkpoints(os.path.join(workdir, CHECKPOINT_DIR))
    sources = []
    config_path = os.path.join(workdir, CONFIG_FILE)
    if os.path.exists(config_path):
        try:
            with open(config_path) as f:
                sources.append((config_path, json.load(f)))
        except (OSError, ValueError) as e:
            raise WorkdirError(
                f"{config_path} cannot be read ({e}); it is not a keras_gan workdir's config. Use another --workdir."
            ) from e
    if checkpoints:
        meta, _ = _load_latest(checkpoints, load_arrays=False)
        if meta is not None:
            sources.append((checkpoints[-1][1], meta.get("config", {})))
    for source, saved in sources:
        differences = _differences(saved, config)
        if differences:
            listing = "; ".join(f"{k}: {old!r} there, {new!r} now" for k, old, new in differences[:6])
            raise WorkdirError(
                f"--workdir={workdir} holds another run (config {saved.get('name')!r}, see {source}): {listing}. "
                f"Nothing was changed. Use a new --workdir, pass the flags of that run to resume it, or delete "
                f"{workdir} to start over."
            )
    return checkpoints


def _load_latest(checkpoints, load_arrays=True):
    """Newest readable checkpoint among `checkpoints`: (meta, arrays), falling back to older ones if needed."""
    for epoch, path in reversed(checkpoints):
        try:
            meta, arrays = callbacks_lib.load_checkpoint(path)
        except ValueError as e:
            logging.warning("Skipping unreadable checkpoint %s: %s", path, e)
            continue
        return meta, (arrays if load_arrays else None)
    return None, None


def _write_json(path, value):
    callbacks_lib.atomic_write_bytes(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


def _save_keras(model, path):
    # Keras wants a ".keras" suffix; write under a hidden name, fsync, then rename into place.
    folder, name = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{name[:-len('.keras')]}.tmp-{os.getpid()}.keras")
    try:
        model.save(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _remove_stale_temporaries(*folders):
    # Leftovers of writes killed half-way (never loaded: complete files are only ever renamed into place).
    for folder in folders:
        if os.path.isdir(folder):
            for name in os.listdir(folder):
                if name.startswith(".") and ".tmp-" in name:
                    try:
                        os.remove(os.path.join(folder, name))
                    except OSError:
                        pass


# ----------------------------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------------------------


def _tensorboard_installed():
    # TF >= 2.16 no longer installs TensorBoard, and tf.summary writes nothing without it.
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        return False
    return True


def _callbacks(config, workdir, examples, example_shape, metadata, initial_epoch):
    tensorboard_dir = os.path.join(workdir, TENSORBOARD_DIR)
    image_shape = example_shape if len(example_shape) == 3 else None
    toy_points = examples if config.is_toy else None
    callbacks = []
    if config.optimizer == "sgd" and config.initial_momentum != config.final_momentum:
        callbacks.append(schedules.MomentumScheduler(schedules.LinearMomentum(
            config.initial_momentum, config.final_momentum, config.momentum_start_epoch,
            config.momentum_saturate_epoch,
        )))
    callbacks.append(callbacks_lib.EpochTimer())
    if not _tensorboard_installed():
        logging.warning("The tensorboard package is not installed: no TensorBoard logs (pip install tensorboard).")
    callbacks.append(callbacks_lib.SampleGrid(
        os.path.join(workdir, SAMPLES_DIR), num_samples=config.num_grid_samples,
        seed=config.seed + _GRID_SEED_OFFSET, every_epochs=config.sample_every_epochs, image_shape=image_shape,
        reference=toy_points,
        tensorboard_dir=os.path.join(tensorboard_dir, "samples") if _tensorboard_installed() else None,
    ))
    if config.dataset == "toy_1d" and config.figure1_epochs:
        callbacks.append(callbacks_lib.Figure1Plot(
            os.path.join(workdir, FIGURE1_DIR), epochs=config.figure1_epochs, data=examples,
            data_mean=_TOY_1D_MEAN, data_stddev=_TOY_1D_STDDEV, seed=config.seed + _GRID_SEED_OFFSET,
        ))
    if _tensorboard_installed():
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


def _evaluate(gan, config):
    """Cheap end-of-training numbers: mode coverage for the 2-D mixtures, moments for toy_1d."""
    if not config.is_toy:
        return {}
    samples = gan.generate(2500, seed=config.seed + _EVAL_SEED_OFFSET).reshape(2500, -1)
    if config.dataset == "toy_1d":
        return {"sample_mean": float(samples.mean()), "sample_stddev": float(samples.std()),
                "data_mean": _TOY_1D_MEAN, "data_stddev": _TOY_1D_STDDEV}
    from keras_gan.metrics.mixture import mode_coverage

    if config.dataset == "toy_ring":
        modes, stddev = toy.ring_modes(), toy.RING_STDDEV
    else:
        modes, stddev = toy.grid_modes(), toy.GRID_STDDEV
    result = mode_coverage(samples, modes, stddev)
    result["counts"] = [int(c) for c in result["counts"]]
    return result


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
        this call), `metrics` (end-of-training evaluation), `generator_path`, `workdir`.

    Raises:
        ValueError: for an invalid config (the message names the flag to fix).
        WorkdirError: if `workdir` is a file or holds another run's config or checkpoints; nothing is written.

    Example:
        >>> import dataclasses
        >>> from keras_gan import configs, train_lib
        >>> config = dataclasses.replace(configs.get_config("toy_ring"), epochs=2)
        >>> train_lib.train_and_evaluate(config, "/tmp/ring")["epoch"]
        2
    """
    configs_lib.validate(config)
    workdir = os.fspath(workdir)
    checkpoints = check_workdir(config, workdir)

    keras.utils.set_random_seed(config.seed)
    examples, example_shape = load_examples(config)
    gan = build_gan(config, example_shape, examples, steps_per_epoch(len(examples), config))

    initial_epoch = 0
    if checkpoints:
        meta, arrays = _load_latest(checkpoints)
        if meta is not None:
            callbacks_lib.restore_state(gan, arrays, source=f"checkpoint of epoch {meta['epoch']} in {workdir}")
            initial_epoch = int(meta["epoch"])
            logging.info("Resuming %s from epoch %d (%s).", config.name, initial_epoch, workdir)
    os.makedirs(workdir, exist_ok=True)
    _remove_stale_temporaries(workdir, os.path.join(workdir, CHECKPOINT_DIR), os.path.join(workdir, SAMPLES_DIR),
                              os.path.join(workdir, FIGURE1_DIR))
    if not os.path.exists(os.path.join(workdir, CONFIG_FILE)):
        _write_json(os.path.join(workdir, CONFIG_FILE), config.to_dict())
    metadata = {"config": config.to_dict(), "example_shape": list(example_shape)}

    history = {}
    if initial_epoch < config.epochs:
        dataset, steps = epoch_dataset(examples, config, initial_epoch)
        logging.info(
            "Training %s: epochs %d..%d, %d steps of %d examples each.", config.name, initial_epoch + 1,
            config.epochs, steps, config.batch_size * config.d_steps,
        )
        fit = gan.fit(
            dataset, epochs=config.epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
            verbose=config.verbose,
            callbacks=_callbacks(config, workdir, examples, example_shape, metadata, initial_epoch),
        )
        history = {k: [float(v) for v in values] for k, values in fit.history.items()}
    else:
        logging.info("%s already holds %d epochs (--epochs=%d): nothing to train.", workdir, initial_epoch,
                     config.epochs)

    generator_path = os.path.join(workdir, GENERATOR_FILE)
    if history or not os.path.exists(generator_path):
        _save_keras(gan.generator, generator_path)
        _save_keras(gan, os.path.join(workdir, GAN_FILE))
    metrics = _evaluate(gan, config)
    if metrics:
        _write_json(os.path.join(workdir, METRICS_FILE), metrics)
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
    """Rebuilds the GAN of a workdir from its config and newest checkpoint (also while it is still training).

    Args:
        workdir: Str, a folder written by `train_and_evaluate`.

    Returns:
        (gan, config, metadata): the restored compiled GAN, its `Config`, and the checkpoint's metadata
        (`epoch`, `example_shape`, ...).

    Raises:
        WorkdirError: if the workdir holds no config or no readable checkpoint.
    """
    workdir = os.fspath(workdir)
    checkpoints = callbacks_lib.list_checkpoints(os.path.join(workdir, CHECKPOINT_DIR))
    meta, arrays = _load_latest(checkpoints)
    if meta is None:
        raise WorkdirError(
            f"--workdir={workdir} holds no checkpoint (looked in {os.path.join(workdir, CHECKPOINT_DIR)}). Train "
            f"first: keras-gan train --config=<name> --workdir={workdir}"
        )
    config = configs_lib.Config.from_dict(meta["config"])
    gan = build_gan(config, tuple(meta["example_shape"]))
    callbacks_lib.restore_state(gan, arrays, source=f"checkpoint of epoch {meta['epoch']} in {workdir}")
    return gan, config, meta


def sample_to_file(gan, output, num_samples=64, seed=0, example_shape=None):
    """Draws samples and writes them as a PNG grid (`.png`) or an array (`.npy`).

    Args:
        gan: A `keras_gan.GAN`.
        output: Str path ending in ".png" or ".npy".
        num_samples: Positive int.
        seed: Int; the same seed gives the same samples.
        example_shape: (H, W, C) for flat image generators, or None.

    Returns:
        Str, the written path.

    Raises:
        ValueError: for another file suffix or a non-positive `num_samples`.
    """
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in (".png", ".npy"):
        raise ValueError(f"--output must end in .png (an image grid) or .npy (the raw samples), got {output!r}.")
    samples = gan.generate(num_samples, seed=seed)
    folder = os.path.dirname(os.path.abspath(output))
    os.makedirs(folder, exist_ok=True)
    if suffix == ".npy":
        buffer = io.BytesIO()
        np.save(buffer, samples)
        callbacks_lib.atomic_write_bytes(output, buffer.getvalue())
        return output
    flat = samples.reshape(len(samples), -1)
    if flat.shape[1] <= 2:
        picture = callbacks_lib.points_picture(flat)
    else:
        shape = tuple(example_shape) if example_shape is not None and len(example_shape) == 3 else None
        picture = callbacks_lib.image_grid(samples, shape)
    callbacks_lib.atomic_write_bytes(output, tf.io.encode_png(tf.constant(picture)).numpy())
    return output


def config_with_overrides(name, **overrides):
    """`get_config(name)` with the non-None `overrides` replaced, validated.

    Args:
        name: A config name (see `keras_gan.configs.CONFIG_NAMES`).
        **overrides: Config fields; None values are ignored (the flag was not given).

    Returns:
        A validated `Config`.

    Raises:
        ValueError: for an unknown name or field, or an invalid value.
    """
    config = configs_lib.get_config(name)
    fields = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"Unknown config fields {unknown}.")
    config = dataclasses.replace(config, **{k: v for k, v in overrides.items() if v is not None})
    return configs_lib.validate(config)
