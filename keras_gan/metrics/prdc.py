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

from keras_gan.checks import check_positive_int
from keras_gan.metrics import _pairwise

__all__ = ["precision_recall", "density_coverage", "prdc"]


# XLA fuses the comparisons into the reductions, so the [num_radii, b, n] masks are never materialised (CPU time on
# par with plain TensorFlow here).
@tf.function(jit_compile=True, reduce_retracing=True)
def _cross_block(fake, valid, fake_radii_sq, real, real_sq_norms, real_radii_sq):
    """One block of generated points against every real point.

    Returns, per generated point, how many real balls hold it for each radius set ([num_radii, b]); and, per real
    point, whether the block's generated balls hold it ([n] bool) and its nearest squared distance to the block.
    Rows where `valid` is False (the last block's padding) are at infinite distance from everything.
    """
    d2 = _pairwise.squared_distances(fake, real, real_sq_norms)  # [b, n]
    d2 = tf.where(valid[:, None], d2, tf.constant(np.inf, d2.dtype))
    inside = d2[None, :, :] <= real_radii_sq[:, None, :]
    counts = tf.reduce_sum(tf.cast(inside, tf.int32), axis=2)
    real_in_fake = tf.reduce_any(d2 <= fake_radii_sq[:, None], axis=0)
    return counts, real_in_fake, tf.reduce_min(d2, axis=0)


def _cross(real, fake, real_radii_sq, fake_radii_sq, batch_size):
    """One pass over the [m, n] generated-to-real distances, one [batch_size, n] block at a time.

    Args:
        real: float32 [n, d]; fake: float32 [m, d] (centred together).
        real_radii_sq: List of float32 [n] arrays, k-NN radii² of the real points (one per k).
        fake_radii_sq: float32 [m], k-NN radii² of the generated points.
        batch_size: Positive int.

    Returns:
        counts (int64 [len(real_radii_sq), m], real balls holding each generated point), real_in_fake (bool [n],
        real points inside some generated ball), nearest_fake (float32 [n], squared distance to the nearest
        generated point).
    """
    real_tf = tf.constant(real)
    real_sq = tf.reduce_sum(tf.square(real_tf), axis=1)
    radii_tf = tf.constant(np.stack(real_radii_sq))
    counts = np.empty((len(real_radii_sq), len(fake)), np.int64)
    real_in_fake = np.zeros(len(real), bool)
    nearest_fake = np.full(len(real), np.inf, np.float32)
    for start, block, size in _pairwise.batches(fake, batch_size):
        valid = np.arange(batch_size) < size
        block_radii = np.zeros(batch_size, np.float32)
        block_radii[:size] = fake_radii_sq[start : start + size]
        c, hit, nearest = _cross_block(
            tf.constant(block), tf.constant(valid), tf.constant(block_radii), real_tf, real_sq, radii_tf
        )
        counts[:, start : start + size] = c.numpy()[:, :size]
        real_in_fake |= hit.numpy()
        nearest_fake = np.minimum(nearest_fake, nearest.numpy())
    return counts, real_in_fake, nearest_fake


def _check_k(k):
    check_positive_int("k", k)


def _prepare(real_features, fake_features, real_k, fake_k, batch_size):
    """Validates and centres both sets; each needs more points than the k of its own k-NN balls."""
    _pairwise.check_batch_size(batch_size)
    real = _pairwise.as_points("real_features", real_features)
    fake = _pairwise.as_points("fake_features", fake_features, dim=real.shape[1])
    for name, points, k in (("real_features", real, real_k), ("fake_features", fake, fake_k)):
        if len(points) <= k:
            raise ValueError(f"{name} needs more than k={k} points for k-NN radii, got {len(points)}.")
    return _pairwise.center(real, fake)


def prdc(real_features, fake_features, k_precision_recall=3, k_density_coverage=5, batch_size=1000):
    """Precision, recall, density and coverage at once, sharing the distance passes (3 instead of 6).

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real images; n > both k.
        fake_features: Array-like [m, d], features of generated images; m > k_precision_recall.
        k_precision_recall: Positive int, the neighbour for precision / recall's balls (the paper: 3).
        k_density_coverage: Positive int, the neighbour for density / coverage's real balls (the paper: 5).
        batch_size: Positive int, rows of the distance matrix held at once.

    Returns:
        A dict with `precision`, `recall`, `density` and `coverage` (see `precision_recall`, `density_coverage`).

    Raises:
        ValueError: if a set has too few points, the widths differ, a value is NaN/inf, or a k is not positive.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(500, 8))
        >>> prdc(features, features)["coverage"]
        1.0
    """
    k_pr, k_dc = k_precision_recall, k_density_coverage
    _check_k(k_pr)
    _check_k(k_dc)
    real, fake = _prepare(real_features, fake_features, max(k_pr, k_dc), k_pr, batch_size)
    real_radii = _pairwise.kth_neighbour_sq_distances(real, sorted({k_pr, k_dc}), batch_size)
    fake_radii = _pairwise.kth_neighbour_sq_distances(fake, k_pr, batch_size)
    counts, real_in_fake, nearest_fake = _cross(real, fake, [real_radii[k_pr], real_radii[k_dc]], fake_radii,
                                                batch_size)
    return {
        "precision": float((counts[0] > 0).mean()),
        "recall": float(real_in_fake.mean()),
        "density": float(counts[1].mean() / k_dc),
        "coverage": float((nearest_fake <= real_radii[k_dc]).mean()),
    }


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
    _check_k(k)
    real, fake = _prepare(real_features, fake_features, k, k, batch_size)
    real_radii = _pairwise.kth_neighbour_sq_distances(real, k, batch_size)
    fake_radii = _pairwise.kth_neighbour_sq_distances(fake, k, batch_size)
    counts, real_in_fake, _ = _cross(real, fake, [real_radii], fake_radii, batch_size)
    return {"precision": float((counts[0] > 0).mean()), "recall": float(real_in_fake.mean())}


def density_coverage(real_features, fake_features, k=5, batch_size=1000):
    """Density and coverage (Naeem et al., 2020) of generated features against real ones.

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real images; n > k.
        fake_features: Array-like [m, d], features of generated images; m >= 1.
        k: Positive int, the neighbour that sets each real ball's radius (the paper: 5).
        batch_size: Positive int, rows of the distance matrix held at once.

    Returns:
        A dict with `density` (float >= 0, about 1 for matching distributions) and `coverage` (float in [0, 1]).

    Raises:
        ValueError: if the real set has k points or fewer, the widths differ, a value is NaN/inf, or k is not
            positive.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(500, 8))
        >>> density_coverage(features, features)["coverage"]
        1.0
    """
    _check_k(k)
    real, fake = _prepare(real_features, fake_features, k, 0, batch_size)
    real_radii = _pairwise.kth_neighbour_sq_distances(real, k, batch_size)
    # Generated balls are not needed: zero radii (recall is ignored).
    counts, _, nearest_fake = _cross(real, fake, [real_radii], np.zeros(len(fake), np.float32), batch_size)
    return {"density": float(counts[0].mean() / k), "coverage": float((nearest_fake <= real_radii).mean())}
