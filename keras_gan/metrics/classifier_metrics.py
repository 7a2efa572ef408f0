"""Metrics on a classifier's outputs: the classifier score and the class histogram of generated samples."""

import numpy as np
import tensorflow as tf

__all__ = ["classifier_score", "class_histogram", "histogram_distance"]


def _check_probs(probs):
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0 or probs.shape[1] < 2:
        raise ValueError(
            f"probs must be class probabilities [n, num_classes] with n >= 1 and num_classes >= 2, got shape "
            f"{probs.shape}. Apply softmax to logits first."
        )
    if not np.isfinite(probs).all() or (probs < -1e-6).any() or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "probs must hold probabilities: finite, non-negative, each row summing to 1. Did you pass logits? "
            "Apply softmax first."
        )
    return np.clip(probs, 0.0, 1.0)


def classifier_score(probs):
    """Classifier score exp(E_x KL(p(y|x) || p(y))), the Inception score on a dataset's own classifier.

    TF-GAN calls it the "MNIST score" when the classifier is an MNIST one. It is high (up to num_classes) when
    each sample is classified confidently and the classes are used evenly, and near 1 when samples all look alike.
    p(y) is the mean of p(y|x) over the given samples (one split, as TF-GAN's `classifier_score_from_logits`).

    Args:
        probs: Array-like [n, num_classes], p(y|x) for each sample (softmax outputs; rows sum to 1).

    Returns:
        A float in [1, num_classes].

    Raises:
        ValueError: if `probs` is not a 2-D array of probability rows.

    Example:
        >>> round(classifier_score(np.eye(10)), 6)  # ten confident samples, one per class
        10.0
    """
    p = tf.constant(_check_probs(probs))
    marginal = tf.reduce_mean(p, axis=0, keepdims=True)
    # xlogy gives 0 * log 0 = 0 for classes a sample never takes.
    kl = tf.reduce_sum(tf.math.xlogy(p, p) - tf.math.xlogy(p, marginal), axis=1)
    return float(tf.exp(tf.reduce_mean(kl)))


def class_histogram(probs_or_labels, num_classes=None):
    """Counts samples per predicted class (the argmax of p(y|x)); dropped modes show up as empty classes.

    Args:
        probs_or_labels: Array-like [n, num_classes] of class probabilities (or logits), or [n] integer labels.
        num_classes: Optional positive int; required for integer labels that may not show every class.

    Returns:
        An int64 np.ndarray [num_classes] of counts.

    Raises:
        ValueError: on an empty input, labels out of range, or a missing `num_classes` for labels.

    Example:
        >>> class_histogram([0, 0, 2], num_classes=3)
        array([2, 0, 1])
    """
    values = np.asarray(probs_or_labels)
    if values.ndim == 2:
        if num_classes is not None and num_classes != values.shape[1]:
            raise ValueError(f"num_classes={num_classes} but probs have {values.shape[1]} columns.")
        labels, num_classes = values.argmax(axis=1), values.shape[1]
    elif values.ndim == 1:
        if num_classes is None:
            raise ValueError("class_histogram needs num_classes when given integer labels.")
        labels = values.astype(np.int64)
    else:
        raise ValueError(f"class_histogram takes probs [n, num_classes] or labels [n], got shape {values.shape}.")
    if len(labels) == 0:
        raise ValueError("class_histogram got no samples.")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got range [{labels.min()}, {labels.max()}].")
    return np.bincount(labels, minlength=num_classes).astype(np.int64)


def histogram_distance(counts, reference_counts):
    """Total-variation distance between two class histograms (0: same class shares, 1: disjoint classes).

    Args:
        counts: Array-like [num_classes] of non-negative counts (e.g. of generated samples).
        reference_counts: Array-like [num_classes] of non-negative counts (e.g. of the real test split).

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: if the shapes differ or a histogram is empty or negative.

    Example:
        >>> histogram_distance([5, 5], [10, 0])
        0.5
    """
    counts, reference_counts = (np.asarray(c, np.float64) for c in (counts, reference_counts))
    if counts.ndim != 1 or counts.shape != reference_counts.shape:
        raise ValueError(f"histograms must be 1-D of one length, got {counts.shape} and {reference_counts.shape}.")
    if (counts < 0).any() or (reference_counts < 0).any() or counts.sum() == 0 or reference_counts.sum() == 0:
        raise ValueError("histograms must hold non-negative counts with a positive total.")
    return float(0.5 * np.abs(counts / counts.sum() - reference_counts / reference_counts.sum()).sum())
