"""Callbacks for training GANs with `fit()`: sample grids, the paper's Figure 1, crash-safe checkpoints.

* `SampleGrid`: G(z) for one fixed latent batch, tiled into a PNG every epoch (`samples/epoch_0001.png`) and
  logged to TensorBoard, so successive grids show the same z evolving. 1-D and 2-D toy data get a histogram /
  scatter picture instead of an image grid.
* `Figure1Plot`: for 1-D data, the paper's Figure 1 picture (data density black dotted, p_g green, D blue dashed)
  at chosen epochs.
* `GANCheckpoint`: after every epoch, writes every variable of the GAN (weights, batch-norm statistics, the noise
  and dropout RNG states) and of both optimizers (slots, step counters, the scheduled momentum) to
  `checkpoints/ckpt-NNNN.npz`: first to a temporary name, fsync'd, then renamed, so a crash at any moment leaves
  only complete checkpoints. Keeps the newest few.
* `CSVLog`: one CSV row per epoch, consistent across resumes.
* `EpochTimer`: adds `epoch_seconds` to the epoch logs (CSV, TensorBoard).

The schedules' callback, `MomentumScheduler`, lives in `keras_gan.schedules`.
"""

import csv
import io
import json
import math
import os
import re
import time

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "CHECKPOINT_PATTERN",
    "CSVLog",
    "EpochTimer",
    "Figure1Plot",
    "GANCheckpoint",
    "SampleGrid",
    "atomic_write_bytes",
    "image_grid",
    "list_checkpoints",
    "load_checkpoint",
    "points_picture",
    "restore_state",
    "save_checkpoint",
    "state_variables",
]

CHECKPOINT_PATTERN = re.compile(r"^ckpt-(\d{4,})\.npz$")


# ----------------------------------------------------------------------------------------------------------------
# Atomic files
# ----------------------------------------------------------------------------------------------------------------


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path, data):
    """Writes `data` to `path` so that `path` is either absent/old or complete, never partial.

    The bytes go to a hidden temporary file in the same folder, are fsync'd, and the file is renamed over `path`
    (atomic on POSIX); the folder is fsync'd so the rename itself survives a power cut.

    Args:
        path: Str, destination file.
        data: Bytes.

    Example:
        >>> atomic_write_bytes("workdir/config.json", b"{}")
    """
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _fsync_dir(folder)


# ----------------------------------------------------------------------------------------------------------------
# Checkpoints
# ----------------------------------------------------------------------------------------------------------------


def state_variables(gan):
    """Every variable a resumed run needs, in a fixed order, grouped by owner.

    Args:
        gan: A compiled `keras_gan.GAN` whose optimizers are built.

    Returns:
        Dict {"model": [...], "d_optimizer": [...], "g_optimizer": [...]} of `keras.Variable` lists. "model" holds
        both networks' weights and non-trainable state (batch-norm statistics, dropout and noise RNG states).
    """
    return {
        "model": list(gan.variables),
        "d_optimizer": list(gan.d_optimizer.variables),
        "g_optimizer": list(gan.g_optimizer.variables),
    }


def list_checkpoints(directory):
    """Complete checkpoints in `directory`, oldest first.

    Args:
        directory: Str, a `checkpoints/` folder (may be missing).

    Returns:
        List of (epoch, path) pairs sorted by epoch; temporary files of interrupted writes are not listed.
    """
    if not os.path.isdir(directory):
        return []
    found = []
    for name in os.listdir(directory):
        match = CHECKPOINT_PATTERN.match(name)
        if match:
            found.append((int(match.group(1)), os.path.join(directory, name)))
    return sorted(found)


def save_checkpoint(directory, gan, epoch, metadata=None, keep=3):
    """Writes `ckpt-<epoch>.npz` atomically, then deletes all but the newest `keep` checkpoints.

    Args:
        directory: Str, the checkpoints folder (created if missing).
        gan: The `keras_gan.GAN` being trained.
        epoch: Int, epochs completed.
        metadata: JSON-serialisable dict stored beside the arrays (the config, the example shape, ...).
        keep: Positive int, checkpoints kept.

    Returns:
        Str, the checkpoint's path.
    """
    os.makedirs(directory, exist_ok=True)
    arrays = {}
    layout = {}
    for group, variables in state_variables(gan).items():
        layout[group] = [[v.path, list(v.shape), str(v.dtype)] for v in variables]
        for i, v in enumerate(variables):
            arrays[f"{group}/{i}"] = keras.ops.convert_to_numpy(v.value)
    meta = dict(metadata or {}, epoch=int(epoch), layout=layout, format=1)
    arrays["__meta__"] = np.array(json.dumps(meta))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path = os.path.join(directory, f"ckpt-{int(epoch):04d}.npz")
    atomic_write_bytes(path, buffer.getvalue())
    for _, old in list_checkpoints(directory)[:-keep]:
        os.remove(old)
    return path


def load_checkpoint(path):
    """Reads a checkpoint written by `save_checkpoint`.

    Args:
        path: Str, a `ckpt-NNNN.npz` file.

    Returns:
        (metadata dict, {group: [np.ndarray, ...]}).

    Raises:
        ValueError: if the file is not a readable keras_gan checkpoint.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(str(npz["__meta__"]))
            arrays = {
                group: [npz[f"{group}/{i}"] for i in range(len(entries))] for group, entries in meta["layout"].items()
            }
    except Exception as e:  # a truncated zip, a foreign file, ...
        raise ValueError(f"{path} is not a readable keras_gan checkpoint ({type(e).__name__}: {e}).") from e
    return meta, arrays


def restore_state(gan, arrays, source="the checkpoint"):
    """Assigns checkpointed arrays to the GAN's and its optimizers' variables.

    Args:
        gan: A compiled `keras_gan.GAN` with built optimizers, built from the same config.
        arrays: {group: [np.ndarray, ...]} from `load_checkpoint`.
        source: Str naming the checkpoint in error messages.

    Raises:
        ValueError: if the number or shapes of the variables differ (another architecture or optimizer).
    """
    targets = state_variables(gan)
    for group, variables in targets.items():
        values = arrays.get(group, [])
        if len(values) != len(variables):
            raise ValueError(
                f"{source} holds {len(values)} {group} variables but this model has {len(variables)}: it was "
                "written for another network or optimizer. Use a new --workdir, or the flags of the run that "
                "wrote it."
            )
        for variable, value in zip(variables, values):
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"{source}: {group} variable {variable.path} has shape {tuple(value.shape)} there but "
                    f"{tuple(variable.shape)} here: it was written for another network size. Use a new --workdir, "
                    "or the flags of the run that wrote it."
                )
    for group, variables in targets.items():
        for variable, value in zip(variables, arrays[group]):
            variable.assign(value)


class TrainingDiverged(FloatingPointError):
    """Training produced a non-finite loss; the epoch that did was not checkpointed."""


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training when an epoch's `d_loss` or `g_loss` is NaN or infinite, before that epoch is checkpointed.

    Keras's `TerminateOnNaN` watches a `loss` key that a GAN does not have. The check runs once per epoch (not per
    step), so it adds no host round-trip to the compiled step; put it before `GANCheckpoint` so a diverged state
    never replaces the last good checkpoint.

    Args:
        keys: Log keys to watch.

    Raises:
        TrainingDiverged: from `on_epoch_end`, naming the epoch, the values and what to change.

    Example:
        >>> gan.fit(data, epochs=10, callbacks=[StopOnDivergence(), GANCheckpoint("ckpt")])  # doctest: +SKIP
    """

    def __init__(self, keys=("d_loss", "g_loss")):
        super().__init__()
        self.keys = tuple(keys)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        bad = {k: float(logs[k]) for k in self.keys if k in logs and not math.isfinite(float(logs[k]))}
        if bad:
            self.model.stop_training = True
            values = ", ".join(f"{k}={v}" for k, v in bad.items())
            raise TrainingDiverged(
                f"Training diverged in epoch {epoch + 1} ({values}); that epoch was not checkpointed, so the run "
                "can resume from the last good one. Lower the learning rate (--learning_rate), or use "
                "--generator_loss=non_saturating: the minimax generator loss log(1 - D(G(z))) is unbounded below."
            )


class GANCheckpoint(keras.callbacks.Callback):
    """Saves a crash-safe checkpoint of the whole training state after every `every_epochs` epochs.

    Args:
        directory: Str, the checkpoints folder.
        metadata: JSON-serialisable dict stored in each checkpoint (the config, ...).
        keep: Positive int, newest checkpoints kept.
        every_epochs: Positive int; the last epoch of `fit` is always saved.

    Example:
        >>> gan.fit(ds, epochs=10, callbacks=[GANCheckpoint("run/checkpoints", {"config": cfg.to_dict()})])
    """

    def __init__(self, directory, metadata=None, keep=3, every_epochs=1):
        super().__init__()
        self.directory = directory
        self.metadata = metadata or {}
        self.keep = keep
        self.every_epochs = every_epochs
        self._last_epoch = None

    def on_train_begin(self, logs=None):
        self._last_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch + 1
        if (epoch + 1) % self.every_epochs == 0:
            save_checkpoint(self.directory, self.model, epoch + 1, self.metadata, self.keep)

    def on_train_end(self, logs=None):
        done = list_checkpoints(self.directory)
        if self._last_epoch and (not done or done[-1][0] < self._last_epoch):
            save_checkpoint(self.directory, self.model, self._last_epoch, self.metadata, self.keep)


class CSVLog(keras.callbacks.Callback):
    """Appends one row per epoch (the 0-based `epoch`, then the logs' keys in sorted order) to a CSV file.

    Unlike `keras.callbacks.CSVLogger` it adds no empty `val_*` columns, syncs each row to disk, and on a resumed
    run first drops the rows of epochs at or after `initial_epoch` (written after the checkpoint resumed from),
    so the file holds each epoch once.

    Args:
        path: Str, the CSV file (appended to if it exists).

    Example:
        >>> gan.fit(ds, epochs=5, callbacks=[CSVLog("run/log.csv")])
    """

    def __init__(self, path):
        super().__init__()
        self.path = path
        self._header = None

    def on_train_begin(self, logs=None):
        self._header = None
        if os.path.exists(self.path):
            with open(self.path, newline="") as f:
                rows = list(csv.reader(f))
            if rows:
                self._header = rows[0]

    def trim(self, initial_epoch):
        """Keeps only rows of epochs < `initial_epoch` (all of them go when it is 0)."""
        if not os.path.exists(self.path):
            return
        with open(self.path, newline="") as f:
            rows = list(csv.reader(f))
        kept = []
        for row in rows[1:]:
            try:
                if rows and len(row) == len(rows[0]) and int(row[0]) < initial_epoch:
                    kept.append(row)
            except ValueError:  # a line cut short by a crash
                pass
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if kept:
            writer.writerow(rows[0])
            writer.writerows(kept)
        atomic_write_bytes(self.path, buffer.getvalue().encode())

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self._header is None:
            self._header = ["epoch"] + sorted(logs)
        values = [epoch] + [_csv_value(logs.get(key, "")) for key in self._header[1:]]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        new_file = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        if new_file:
            writer.writerow(self._header)
        writer.writerow(values)
        with open(self.path, "a", newline="") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())


def _csv_value(value):
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return value


class EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` (wall time of the epoch, callbacks before it included) to the epoch logs.

    Place it before `CSVLogger` / `TensorBoard` in the callback list so they record it.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start


# ----------------------------------------------------------------------------------------------------------------
# Pictures
# ----------------------------------------------------------------------------------------------------------------


def image_grid(images, image_shape=None, padding=2):
    """Tiles images into one uint8 picture, as square as possible.

    Args:
        images: Array [n, H, W, C] or [n, H*W*C] in [0, 1] (values outside are clipped).
        image_shape: (H, W, C) of flat images; None infers (s, s, 1) or (s, s, 3) for square images.
        padding: Int pixels of black between tiles.

    Returns:
        np.ndarray uint8 [rows·(H+p)+p, cols·(W+p)+p, C] with C in {1, 3}.

    Raises:
        ValueError: if flat images cannot be given an image shape.

    Example:
        >>> image_grid(np.zeros((64, 784))).shape
        (242, 242, 1)
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 2:
        if image_shape is None:
            image_shape = _square_shape(images.shape[1])
        images = images.reshape((len(images), *image_shape))
    if images.ndim == 3:
        images = images[..., None]
    n, h, w, c = images.shape
    cols = int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    grid = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding, c), np.uint8)
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top : top + h, left : left + w] = pixels[i]
    return grid


def _square_shape(size):
    for channels in (1, 3):
        side = math.isqrt(size // channels)
        if side * side * channels == size:
            return (side, side, channels)
    raise ValueError(f"Cannot tile flat examples of size {size} as images; pass image_shape=(H, W, C).")


def points_picture(samples, reference=None, size=256, extent=None):
    """Draws 1-D or 2-D points as a picture: a scatter plot (2-D) or histograms (1-D).

    Reference points (the data) are drawn in grey, samples in green.

    Args:
        samples: Array [n, 1] or [n, 2].
        reference: Optional array of data points, same dimension.
        size: Int, picture width and height in pixels.
        extent: Optional (low, high) of the drawn range on every axis; default covers all points.

    Returns:
        np.ndarray uint8 [size, size, 3].

    Raises:
        ValueError: if the points are not 1-D or 2-D.
    """
    samples = np.asarray(samples, np.float64)
    if samples.ndim != 2 or samples.shape[1] not in (1, 2):
        raise ValueError(f"points_picture draws [n, 1] or [n, 2] points, got shape {samples.shape}.")
    sets = [(np.asarray(reference, np.float64), (160, 160, 160))] if reference is not None else []
    sets.append((samples, (0, 160, 0)))
    everything = np.concatenate([s for s, _ in sets])
    everything = everything[np.isfinite(everything).all(axis=1)]
    if extent is None:
        low, high = (everything.min(), everything.max()) if len(everything) else (-1.0, 1.0)
        pad = 0.05 * (high - low) + 1e-6
        extent = (low - pad, high + pad)
    low, high = extent
    picture = np.full((size, size, 3), 255, np.uint8)

    def to_pixel(values):
        return np.clip(((values - low) / (high - low) * (size - 1)).round(), 0, size - 1).astype(int)

    if samples.shape[1] == 2:
        for points, colour in sets:
            points = points[np.isfinite(points).all(axis=1)]
            x, y = to_pixel(points[:, 0]), size - 1 - to_pixel(points[:, 1])
            for dx in (0, 1):
                for dy in (0, 1):
                    picture[np.clip(y + dy, 0, size - 1), np.clip(x + dx, 0, size - 1)] = colour
    else:
        edges = np.linspace(low, high, size + 1)
        histograms = [np.histogram(p[:, 0], bins=edges, density=True)[0] for p, _ in sets]
        top = max(h.max() for h in histograms) or 1.0
        for i, (histogram, (_, colour)) in enumerate(zip(histograms, sets)):
            heights = (histogram / top * (size - 10)).astype(int)
            filled = reference is not None and i == 0  # the data as grey bars, the samples as a green outline
            for column, height in enumerate(heights):
                if filled and height:
                    picture[size - height :, column] = colour
                elif not filled:
                    row = size - 1 - height
                    picture[max(row - 1, 0) : row + 1, column] = colour
    return picture


def _encode_png(picture):
    return tf.io.encode_png(tf.constant(picture)).numpy()


class SampleGrid(keras.callbacks.Callback):
    """Writes G(z) for one fixed latent batch as `<directory>/epoch_NNNN.png` (and to TensorBoard) after epochs.

    The latent batch is drawn once, from the GAN's prior with a fixed seed, so grids of successive epochs show
    the same z. Image data is tiled into a grid; 1-D/2-D toy data is drawn as histograms / a scatter plot over
    the data (`reference`).

    Args:
        directory: Str, where the PNGs go (created if missing).
        num_samples: Positive int, samples per picture.
        seed: Int seed of the fixed latent batch.
        every_epochs: Positive int; the last epoch of `fit` is always drawn.
        image_shape: (H, W, C) for flat image data, or None.
        reference: For toy data: data points drawn behind the samples.
        tensorboard_dir: Optional str; if given, pictures are also logged as TensorBoard images ("samples").

    Example:
        >>> gan.fit(ds, epochs=5, callbacks=[SampleGrid("run/samples", num_samples=64)])
    """

    def __init__(
        self, directory, num_samples=64, seed=0, every_epochs=1, image_shape=None, reference=None,
        tensorboard_dir=None,
    ):
        super().__init__()
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.every_epochs = every_epochs
        self.image_shape = image_shape
        self.reference = None if reference is None else np.asarray(reference)[:2000]
        self.tensorboard_dir = tensorboard_dir
        self._writer = None
        self._z = None
        self._last_written = None

    def picture(self):
        """The current picture of the fixed latent batch, uint8 [H, W, C]."""
        if self._z is None:
            self._z = self.model.sample_noise(self.num_samples, seed=self.seed)
        samples = keras.ops.convert_to_numpy(self.model.generator(self._z, training=False))
        flat = samples.reshape(len(samples), -1)
        if flat.shape[1] <= 2 and self.image_shape is None:
            return points_picture(flat, self.reference)
        return image_grid(samples, self.image_shape)

    def write(self, epoch):
        """Writes the picture for 1-based `epoch`; returns its path."""
        picture = self.picture()
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch:04d}.png")
        atomic_write_bytes(path, _encode_png(picture))
        if self.tensorboard_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
            with self._writer.as_default():
                tf.summary.image("samples", picture[None], step=epoch)
            self._writer.flush()
        self._last_written = epoch
        return path

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if (epoch + 1) % self.every_epochs == 0:
            self.write(epoch + 1)

    def on_train_end(self, logs=None):
        epoch = getattr(self, "_epoch", None)
        if epoch and self._last_written != epoch:
            self.write(epoch)
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class Figure1Plot(keras.callbacks.Callback):
    """For 1-D data, draws the paper's Figure 1 at chosen epochs: p_data, p_g and D(x) over x.

    The data density (known Gaussian, or a histogram of `data`) is a black dotted line, p_g (a histogram of G(z)
    for a fixed batch of z) a green solid line and D(x) = sigmoid(logit) a blue dashed line; below them, lines
    from a grid of z to x = G(z) show how G maps the uniform noise, as in the paper. Needs matplotlib.

    Args:
        directory: Str, where `epoch_NNNN.png` goes.
        epochs: 1-based epochs after which to draw; the last epoch of `fit` is always drawn.
        data: Array [n, 1] of data points (for the range and, without `data_mean`, the density).
        data_mean: Optional float; with `data_stddev`, draw the exact Gaussian density.
        data_stddev: Optional positive float.
        num_samples: Int, generator samples behind the p_g curve.
        seed: Int seed of their fixed latent batch.

    Raises:
        ImportError: at train start, if matplotlib is missing (`pip install matplotlib`).

    Example:
        >>> gan.fit(ds, epochs=20, callbacks=[Figure1Plot("run/figure1", epochs=(1, 5, 20), data=points)])
    """

    def __init__(self, directory, epochs=(), data=None, data_mean=None, data_stddev=None, num_samples=20_000, seed=0):
        super().__init__()
        self.directory = directory
        self.epochs = set(int(e) for e in epochs)
        self.data = np.asarray(data, np.float64).reshape(-1)
        self.data_mean = data_mean
        self.data_stddev = data_stddev
        self.num_samples = num_samples
        self.seed = seed
        self._last_written = None

    def on_train_begin(self, logs=None):
        import matplotlib  # noqa: F401  (fail early, before hours of training, if it is missing)

    def draw(self, epoch):
        """Writes the plot for 1-based `epoch`; returns its path."""
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt

        gan = self.model
        z = gan.sample_noise(self.num_samples, seed=self.seed)
        fake = keras.ops.convert_to_numpy(gan.generator(z, training=False)).reshape(-1)
        low, high = np.percentile(self.data, [0.1, 99.9])
        span = high - low
        low, high = low - 0.75 * span, high + 0.75 * span
        xs = np.linspace(low, high, 400, dtype=np.float32)
        d = keras.ops.convert_to_numpy(keras.ops.sigmoid(gan.discriminator(xs[:, None], training=False))).reshape(-1)
        if self.data_mean is not None and self.data_stddev:
            p_data = np.exp(-0.5 * ((xs - self.data_mean) / self.data_stddev) ** 2) / (
                self.data_stddev * math.sqrt(2 * math.pi)
            )
        else:
            p_data = _density(self.data, xs)
        p_g = _density(fake, xs)

        fig, (top, bottom) = plt.subplots(
            2, 1, figsize=(6, 4.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
        )
        scale = max(p_data.max(), 1e-9)
        top.plot(xs, p_data / scale, "k:", lw=2, label="data $p_{data}$")
        top.plot(xs, np.minimum(p_g / scale, 1.5), "g-", lw=1.5, label="generator $p_g$ (scaled)")
        top.plot(xs, d, "b--", lw=1.5, label="discriminator $D(x)$")
        top.set_ylim(0, 1.55)
        top.set_title(f"Epoch {epoch}")
        top.legend(loc="upper left", fontsize=8, frameon=False)
        # The z → x mapping (1-D z only): z on a line below, x = G(z) on the axis above, as in the paper.
        if gan.latent_dim == 1:
            s = gan.noise_scale if gan.noise == "uniform" else 2 * gan.noise_scale
            grid_z = np.linspace(-s, s, 25, dtype=np.float32)[:, None]
            grid_x = keras.ops.convert_to_numpy(gan.generator(grid_z, training=False)).reshape(-1)
            z_pos = low + (grid_z.reshape(-1) + s) / (2 * s) * (high - low)
            for zp, xp in zip(z_pos, grid_x):
                bottom.plot([zp, xp], [0, 1], color="0.4", lw=0.6)
            bottom.set_yticks([0, 1], ["z", "x"])
        else:
            bottom.set_axis_off()
        bottom.set_xlim(low, high)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch:04d}.png")
        atomic_write_bytes(path, buffer.getvalue())
        self._last_written = epoch
        return path

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if epoch + 1 in self.epochs:
            self.draw(epoch + 1)

    def on_train_end(self, logs=None):
        epoch = getattr(self, "_epoch", None)
        if epoch and self._last_written != epoch:
            self.draw(epoch)


def _density(points, xs):
    # A Gaussian kernel density estimate with Silverman's bandwidth: smoother than a histogram at 20k points.
    points = points[np.isfinite(points)]
    if len(points) == 0:
        return np.zeros_like(xs)
    bandwidth = max(1.06 * points.std() * len(points) ** (-0.2), (xs[1] - xs[0]))
    counts, edges = np.histogram(points, bins=len(xs) * 4, range=(xs[0] - 1, xs[-1] + 1))
    centres = 0.5 * (edges[1:] + edges[:-1])
    kernel = np.exp(-0.5 * ((xs[:, None] - centres[None, :]) / bandwidth) ** 2)
    return (kernel @ counts) / (len(points) * bandwidth * math.sqrt(2 * math.pi))
