"""Embedded toy distributions (no download): the paper's Figure 1 and the 2-D Gaussian mixtures.

* `gaussian_1d`: 1-D Gaussian data, as in the paper's Figure 1 (z is uniform; see `GAN(noise="uniform")`).
* `ring`: 8 Gaussians on a circle of radius 2, σ = 0.02 (the unrolled-GAN benchmark).
* `grid`: 25 Gaussians on a 5 × 5 grid with spacing 2, σ = 0.05 (the VEEGAN / PacGAN benchmark).

Each has a NumPy sampler and a `tf.data.Dataset` factory whose batches are ready for `GAN.fit`.
"""

import numpy as np

from keras_gan.checks import check_positive_int
from keras_gan.data import pipeline

RING_STDDEV = 0.02
GRID_STDDEV = 0.05


def sample_gaussian_1d(num_samples, mean=4.0, stddev=0.5, seed=0):
    """Draws 1-D Gaussian data, the paper's Figure 1 setting.

    Args:
        num_samples: Positive int.
        mean: Float, the data mean.
        stddev: Positive float, the data standard deviation.
        seed: Int seed of a NumPy generator.

    Returns:
        np.ndarray float32 [num_samples, 1].

    Raises:
        ValueError: if `num_samples` is not a positive int or `stddev` is not positive.

    Example:
        >>> sample_gaussian_1d(5).shape
        (5, 1)
    """
    check_positive_int("num_samples", num_samples)
    if not stddev > 0:
        raise ValueError(f"stddev must be positive, got {stddev}.")
    rng = np.random.default_rng(seed)
    return rng.normal(mean, stddev, size=(num_samples, 1)).astype("float32")


def ring_modes(num_modes=8, radius=2.0):
    """Means of `num_modes` Gaussians evenly spaced on a circle.

    Args:
        num_modes: Positive int.
        radius: Float, the circle's radius.

    Returns:
        np.ndarray float32 [num_modes, 2].

    Example:
        >>> ring_modes().shape
        (8, 2)
    """
    check_positive_int("num_modes", num_modes)
    angles = 2 * np.pi * np.arange(num_modes) / num_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def grid_modes(size=5, spacing=2.0):
    """Means of `size` × `size` Gaussians on a grid centred at the origin.

    Args:
        size: Positive int, modes per side.
        spacing: Float, distance between neighbouring modes.

    Returns:
        np.ndarray float32 [size * size, 2].

    Example:
        >>> grid_modes()[0]
        array([-4., -4.], dtype=float32)
    """
    check_positive_int("size", size)
    axis = spacing * (np.arange(size) - (size - 1) / 2)
    return np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2).astype("float32")


def sample_mixture(num_samples, modes, stddev, seed=0):
    """Draws from an equal-weight mixture of isotropic Gaussians.

    Args:
        num_samples: Positive int.
        modes: Array-like [num_modes, d], the means.
        stddev: Positive float, each component's standard deviation.
        seed: Int seed of a NumPy generator.

    Returns:
        np.ndarray float32 [num_samples, d].

    Raises:
        ValueError: if `num_samples` is not a positive int or `stddev` is not positive.

    Example:
        >>> sample_mixture(10, ring_modes(), RING_STDDEV).shape
        (10, 2)
    """
    check_positive_int("num_samples", num_samples)
    if not stddev > 0:
        raise ValueError(f"stddev must be positive, got {stddev}.")
    modes = np.asarray(modes, dtype=np.float64)
    rng = np.random.default_rng(seed)
    which = rng.integers(len(modes), size=num_samples)
    return (modes[which] + rng.normal(0.0, stddev, size=(num_samples, modes.shape[1]))).astype("float32")


def points_dataset(points, batch_size=100, d_steps=1, shuffle=True, seed=0):
    """Batches an in-memory array of examples for `GAN.fit`, through `keras_gan.data.pipeline.epoch_batches`.

    Args:
        points: Array [n, ...] of examples.
        batch_size: Positive int m, examples per discriminator / generator update.
        d_steps: Positive int k; each batch holds k·m examples (k minibatches for Algorithm 1).
        shuffle: Whether to reshuffle every epoch (epoch e's order depends only on (seed, e)).
        seed: Int shuffle seed.

    Returns:
        A `tf.data.Dataset` of float32 batches [k·m, ...], last partial batch dropped.

    Raises:
        ValueError: if a size is not a positive int or there are fewer than k·m examples.

    Example:
        >>> points_dataset(np.zeros((1000, 2), "float32"), batch_size=50, d_steps=2).element_spec.shape
        TensorShape([100, 2])
    """
    return pipeline.epoch_batches(np.asarray(points, dtype="float32"), batch_size=batch_size, d_steps=d_steps,
                                  seed=seed, shuffle=shuffle)


def gaussian_1d_dataset(batch_size=100, d_steps=1, num_examples=10_000, mean=4.0, stddev=0.5, seed=0):
    """The paper's Figure 1 data, N(mean, stddev²), as batches for `GAN.fit`.

    Args:
        batch_size: Positive int m.
        d_steps: Positive int k; batches hold k·m examples.
        num_examples: Positive int, examples per epoch.
        mean: Float, the data mean.
        stddev: Positive float, the data standard deviation.
        seed: Int seed for the samples and the shuffle.

    Returns:
        A `tf.data.Dataset` of float32 batches [k·m, 1].

    Example:
        >>> gaussian_1d_dataset(batch_size=64).element_spec.shape
        TensorShape([64, 1])
    """
    return points_dataset(sample_gaussian_1d(num_examples, mean, stddev, seed), batch_size, d_steps, seed=seed)


def ring_dataset(batch_size=100, d_steps=1, num_examples=20_000, num_modes=8, radius=2.0, stddev=RING_STDDEV, seed=0):
    """8 Gaussians on a ring (by default) as batches for `GAN.fit`.

    Args:
        batch_size: Positive int m.
        d_steps: Positive int k; batches hold k·m examples.
        num_examples: Positive int, examples per epoch.
        num_modes: Positive int, Gaussians on the circle.
        radius: Float, the circle's radius.
        stddev: Positive float, each Gaussian's standard deviation.
        seed: Int seed for the samples and the shuffle.

    Returns:
        A `tf.data.Dataset` of float32 batches [k·m, 2].

    Example:
        >>> ring_dataset(batch_size=64).element_spec.shape
        TensorShape([64, 2])
    """
    points = sample_mixture(num_examples, ring_modes(num_modes, radius), stddev, seed)
    return points_dataset(points, batch_size, d_steps, seed=seed)


def grid_dataset(batch_size=100, d_steps=1, num_examples=20_000, size=5, spacing=2.0, stddev=GRID_STDDEV, seed=0):
    """25 Gaussians on a 5 × 5 grid (by default) as batches for `GAN.fit`.

    Args:
        batch_size: Positive int m.
        d_steps: Positive int k; batches hold k·m examples.
        num_examples: Positive int, examples per epoch.
        size: Positive int, modes per side.
        spacing: Float, distance between neighbouring modes.
        stddev: Positive float, each Gaussian's standard deviation.
        seed: Int seed for the samples and the shuffle.

    Returns:
        A `tf.data.Dataset` of float32 batches [k·m, 2].

    Example:
        >>> grid_dataset(batch_size=64).element_spec.shape
        TensorShape([64, 2])
    """
    points = sample_mixture(num_examples, grid_modes(size, spacing), stddev, seed)
    return points_dataset(points, batch_size, d_steps, seed=seed)
