"""`Figure1Plot`: the paper's Figure 1 (p_data, p_g and D over x) for 1-D data, at chosen epochs."""

import io
import math
import os

import keras
import numpy as np

from keras_gan import files

__all__ = ["Figure1Plot"]


class Figure1Plot(keras.callbacks.Callback):
    """For 1-D data, draws the paper's Figure 1 at chosen epochs: p_data, p_g and D(x) over x.

    The data density (known Gaussian, or a histogram of `data`) is a black dotted line, p_g (a histogram of G(z)
    for a fixed batch of z) a green solid line and D(x) = sigmoid(logit) a blue dashed line; below them, lines
    from a grid of z to x = G(z) show how G maps the uniform noise, as in the paper (drawn with matplotlib).

    Args:
        directory: Str, where `epoch_NNNN.png` goes.
        epochs: 1-based epochs after which to draw; the last epoch of `fit` is always drawn.
        data: Array [n, 1] of data points (for the range and, without `data_mean`, the density).
        data_mean: Optional float; with `data_stddev`, draw the exact Gaussian density.
        data_stddev: Optional positive float.
        num_samples: Int, generator samples behind the p_g curve.
        seed: Int seed of their fixed latent batch.

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

    def draw(self, epoch):
        """Writes the plot for 1-based `epoch`; returns its path."""
        # matplotlib's object API: no pyplot, so the caller's backend (a notebook's inline plots) is left alone.
        from matplotlib.figure import Figure

        gan = self.model
        z = gan.sample_noise(self.num_samples, seed=self.seed)
        fake = keras.ops.convert_to_numpy(gan.sampling_generator(z, training=False)).reshape(-1)
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

        fig = Figure(figsize=(6, 4.5))
        top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
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
            grid_x = keras.ops.convert_to_numpy(gan.sampling_generator(grid_z, training=False)).reshape(-1)
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
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch:04d}.png")
        files.atomic_write(path, buffer.getvalue())
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
