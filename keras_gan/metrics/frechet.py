"""Fréchet distance between Gaussians fitted to two sets of features (FID's formula, on any feature extractor).

    FD = ||mu_r - mu_g||^2 + tr(C_r) + tr(C_g) - 2 tr((C_r C_g)^(1/2))

tr((C_r C_g)^(1/2)) is computed as the sum of square roots of the eigenvalues of the symmetric PSD matrix
C_r^(1/2) C_g C_r^(1/2) (same spectrum as C_r C_g), which needs only symmetric eigendecompositions and stays real
and stable when a covariance is singular (ReLU features often are).
"""

import numpy as np
import tensorflow as tf

from keras_gan.metrics import _pairwise

__all__ = ["frechet_distance", "gaussian_frechet_distance"]


def _moments(name, features):
    """Mean and unbiased covariance (ddof=1, as np.cov) in float64."""
    x = tf.constant(_pairwise.as_points(name, features), tf.float64)
    if x.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 points to estimate a covariance, got {x.shape[0]}.")
    mean = tf.reduce_mean(x, axis=0)
    centred = x - mean
    cov = tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(x)[0] - 1, tf.float64)
    return mean, cov


def _sqrt_psd(matrix):
    eigenvalues, eigenvectors = tf.linalg.eigh(matrix)
    return (eigenvectors * tf.sqrt(tf.maximum(eigenvalues, 0.0))[None, :]) @ tf.transpose(eigenvectors)


def gaussian_frechet_distance(mean1, cov1, mean2, cov2):
    """Fréchet (2-Wasserstein squared) distance between N(mean1, cov1) and N(mean2, cov2).

    Args:
        mean1: Array-like [d].
        cov1: Array-like [d, d], symmetric positive semi-definite.
        mean2: Array-like [d].
        cov2: Array-like [d, d], symmetric positive semi-definite.

    Returns:
        A non-negative float.

    Raises:
        ValueError: if the shapes disagree or a covariance is not square and symmetric.

    Example:
        >>> gaussian_frechet_distance([0.0], [[1.0]], [3.0], [[4.0]])  # 3^2 + (1 - 2)^2
        10.0
    """
    mean1, mean2 = (np.asarray(m, np.float64) for m in (mean1, mean2))
    cov1, cov2 = (np.asarray(c, np.float64) for c in (cov1, cov2))
    d = mean1.shape[0] if mean1.ndim == 1 else -1
    for name, cov in (("cov1", cov1), ("cov2", cov2)):
        if cov.shape != (d, d) or mean2.shape != (d,):
            raise ValueError(
                f"gaussian_frechet_distance needs means [d] and covariances [d, d] of one d; got means "
                f"{mean1.shape}, {mean2.shape} and covariances {cov1.shape}, {cov2.shape}."
            )
        if not np.allclose(cov, cov.T, rtol=1e-6, atol=1e-9):
            raise ValueError(f"{name} is not symmetric; pass a covariance matrix.")
    return float(_gaussian_frechet_distance(*(tf.constant(a) for a in (mean1, cov1, mean2, cov2))))


def _gaussian_frechet_distance(mean1, cov1, mean2, cov2):
    sqrt1 = _sqrt_psd(cov1)
    product = sqrt1 @ cov2 @ sqrt1
    # Symmetrise against rounding before the symmetric eigensolver.
    product = 0.5 * (product + tf.transpose(product))
    trace_sqrt = tf.reduce_sum(tf.sqrt(tf.maximum(tf.linalg.eigvalsh(product), 0.0)))
    distance = (
        tf.reduce_sum(tf.square(mean1 - mean2)) + tf.linalg.trace(cov1) + tf.linalg.trace(cov2) - 2.0 * trace_sqrt
    )
    return tf.maximum(distance, 0.0).numpy()


def frechet_distance(real_features, fake_features):
    """Fréchet distance between Gaussians fitted to real and generated features (FID on any extractor).

    Means and covariances (ddof=1) are computed in float64 TensorFlow. The estimate is biased upward for small
    sets: compare figures only at equal sizes (the reports use 10,000 vs 10,000).

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real images.
        fake_features: Array-like [m, d], features of generated images from the same extractor.

    Returns:
        A non-negative float; 0 for identical sets.

    Raises:
        ValueError: if a set has fewer than 2 points, the widths differ, or a value is NaN/inf.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(1000, 8))
        >>> round(frechet_distance(features, features), 6)
        0.0
    """
    mean1, cov1 = _moments("real_features", real_features)
    mean2, cov2 = _moments("fake_features", fake_features)
    if mean1.shape != mean2.shape:
        raise ValueError(
            f"real_features and fake_features differ in width ({mean1.shape[0]} vs {mean2.shape[0]}); compute both "
            "with the same feature extractor."
        )
    return float(_gaussian_frechet_distance(mean1, cov1, mean2, cov2))
