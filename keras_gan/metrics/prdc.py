"""k-NN manifold metrics: improved precision / recall and density / coverage.

Each real (or generated) point carries a ball whose radius is the distance to its k-th nearest neighbour within its
own set; the union of balls estimates that set's support.

- Precision (Kynkäänniemi et al., 2019): share of generated points inside the real balls (quality).
- Recall: share of real points inside the generated balls (diversity).
- Density (Naeem et al., 2020): how many real balls hold each generated point, averaged and divided by k
  (about 1 when the distributions match; above 1 when samples crowd into dense real regions).
- Coverage: share of real balls that hold at least one generated point (mode dropping lowers it).

Distances are computed in TensorFlow, one [batch_size, n] block at a time, so memory stays bounded for 10k vs 10k.
A point on a ball's boundary counts as inside (<=), as in Kynkäänniemi et al.'s definition.
"""

import numpy as np
import tensorflow as tf

from keras_gan.metrics import _pairwise

__all__ = ["precision_recall", "density_coverage"]


@tf.function(jit_compile=True, reduce_retracing=True)
def _ball_hits(queries, centres, centres_sq_norms, radii_sq):
    """For each query: number of balls that hold it, and its smallest squared distance to a centre."""
    d2 = _pairwise.squared_distances(queries, centres, centres_sq_norms)
    inside = tf.cast(d2 <= radii_sq[None, :], tf.int32)
    return tf.reduce_sum(inside, axis=1), tf.reduce_min(d2, axis=1)


def _hits(queries, centres, radii_sq, batch_size):
    """Per query: balls of `centres` (radii² `radii_sq`, or none) holding it, and its nearest squared distance."""
    centres_tf = tf.constant(centres)
    centres_sq = tf.reduce_sum(tf.square(centres_tf), axis=1)
    # Without radii only the nearest distance is wanted; zero radii keep one compiled function.
    radii_tf = tf.constant(np.zeros(len(centres), np.float32) if radii_sq is None else radii_sq)
    counts = np.empty(len(queries), np.int64)
    nearest = np.empty(len(queries), np.float32)
    for start, block, size in _pairwise.batches(queries, batch_size):
        c, m = _ball_hits(tf.constant(block), centres_tf, centres_sq, radii_tf)
        counts[start : start + size] = c.numpy()[:size]
        nearest[start : start + size] = m.numpy()[:size]
    return counts, nearest


def _prepare(real_features, fake_features, k, batch_size):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}.")
    _pairwise.check_batch_size(batch_size)
    real = _pairwise.as_points("real_features", real_features)
    fake = _pairwise.as_points("fake_features", fake_features, dim=real.shape[1])
    for name, points in (("real_features", real), ("fake_features", fake)):
        if len(points) <= k:
            raise ValueError(f"{name} needs more than k={k} points for k-NN radii, got {len(points)}.")
    return _pairwise.center(real, fake)


def precision_recall(real_features, fake_features, k=3, batch_size=1000):
    """Improved precision and recall (Kynkäänniemi et al., 2019) of generated features against real ones.

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real images; n > k.
        fake_features: Array-like [m, d], features of generated images; m > k.
        k: Positive int, the neighbour that sets each ball's radius (the paper: 3).
        batch_size: Positive int, rows of the distance matrix held at once.

    Returns:
        A dict with `precision` and `recall`, floats in [0, 1].

    Raises:
        ValueError: if a set has k points or fewer, the widths differ, a value is NaN/inf, or k is not positive.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(500, 8))
        >>> precision_recall(features, features)
        {'precision': 1.0, 'recall': 1.0}
    """
    real, fake = _prepare(real_features, fake_features, k, batch_size)
    real_radii = _pairwise.kth_neighbour_sq_distances(real, k, batch_size)
    fake_radii = _pairwise.kth_neighbour_sq_distances(fake, k, batch_size)
    fake_in_real, _ = _hits(fake, real, real_radii, batch_size)
    real_in_fake, _ = _hits(real, fake, fake_radii, batch_size)
    return {"precision": float((fake_in_real > 0).mean()), "recall": float((real_in_fake > 0).mean())}


def density_coverage(real_features, fake_features, k=5, batch_size=1000):
    """Density and coverage (Naeem et al., 2020) of generated features against real ones.

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real images; n > k.
        fake_features: Array-like [m, d], features of generated images; m > k.
        k: Positive int, the neighbour that sets each real ball's radius (the paper: 5).
        batch_size: Positive int, rows of the distance matrix held at once.

    Returns:
        A dict with `density` (float >= 0, about 1 for matching distributions) and `coverage` (float in [0, 1]).

    Raises:
        ValueError: if a set has k points or fewer, the widths differ, a value is NaN/inf, or k is not positive.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(500, 8))
        >>> density_coverage(features, features)["coverage"]
        1.0
    """
    real, fake = _prepare(real_features, fake_features, k, batch_size)
    real_radii = _pairwise.kth_neighbour_sq_distances(real, k, batch_size)
    # Density: real balls holding each generated point; coverage: real balls holding any generated point.
    fake_in_real, _ = _hits(fake, real, real_radii, batch_size)
    _, nearest_fake = _hits(real, fake, None, batch_size)
    return {
        "density": float(fake_in_real.mean() / k),
        "coverage": float((nearest_fake <= real_radii).mean()),
    }
