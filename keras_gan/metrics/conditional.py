"""Metrics of a class-conditional generator: does it draw the class it is asked for, and draw it well?

One signature per family: the accuracy metrics take the classifier's view of the samples and the labels they were
requested with; the per-class Fréchet distances take real and generated features, each with its labels.

    conditional_accuracy(probs_or_predicted, requested_labels)
    per_class_accuracy(probs_or_predicted, requested_labels, num_classes)
    per_class_frechet_distance(real_features, real_labels, fake_features, fake_labels, num_classes)
    intra_frechet_distance(real_features, real_labels, fake_features, fake_labels, num_classes)

The unconditional metrics cannot see a generator that draws good shirts when asked for shoes; conditional accuracy
can. Intra-FD (the mean per-class Fréchet distance, Miyato & Koyama, 2018) also sees a class drawn as one look only,
which the pooled Fréchet distance hides when the other classes' samples fill the gap.
"""

import numpy as np

from keras_gan.metrics import _pairwise
from keras_gan.metrics.frechet import frechet_distance

__all__ = [
    "MIN_SAMPLES_PER_CLASS",
    "conditional_accuracy",
    "intra_frechet_distance",
    "per_class_accuracy",
    "per_class_frechet_distance",
]

# A covariance (ddof=1) needs two points; the Fréchet distance of a class needs that on both sides.
MIN_SAMPLES_PER_CLASS = 2


def _check_num_classes(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}.")
    return int(num_classes)


def _check_labels(name, labels, n, num_classes=None):
    labels = np.asarray(labels)
    if labels.shape != (n,) or not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool):
        raise ValueError(f"{name} must be integer class indices [{n}] (one per sample), got dtype {labels.dtype} "
                         f"and shape {labels.shape}.")
    if n and (labels.min() < 0 or (num_classes is not None and labels.max() >= num_classes)):
        allowed = "be class indices >= 0" if num_classes is None else f"lie in [0, {num_classes})"
        raise ValueError(f"{name} must {allowed}, got range [{labels.min()}, {labels.max()}].")
    return labels.astype(np.int64)


def _predicted(probs_or_predicted):
    """The predicted classes [n]: the argmax of probabilities [n, C], or integer labels [n] as given."""
    values = np.asarray(probs_or_predicted)
    if values.ndim == 2 and values.shape[0] > 0:
        if not np.isfinite(values).all():
            raise ValueError("probs_or_predicted holds NaN or infinite values.")
        return values.argmax(axis=1)
    if values.ndim == 1 and values.shape[0] > 0 and np.issubdtype(values.dtype, np.integer):
        return values.astype(np.int64)
    raise ValueError(
        f"probs_or_predicted must be class probabilities [n, num_classes] or predicted integer labels [n] with "
        f"n >= 1, got dtype {values.dtype} and shape {values.shape}."
    )


def conditional_accuracy(probs_or_predicted, requested_labels):
    """Share of samples the classifier puts in the class they were requested for.

    1 when every sample shows its requested class; about 1/C when the generator ignores the label (and the
    classifier's own accuracy on real images is the practical ceiling).

    Args:
        probs_or_predicted: Array-like [n, num_classes] of class probabilities (or logits) for each sample, or
            [n] predicted integer labels.
        requested_labels: Integer array-like [n], the class each sample was generated for.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: if the inputs are empty, of different lengths, or the labels are not non-negative integers.

    Example:
        >>> conditional_accuracy(np.eye(3)[[0, 1, 2, 2]], [0, 1, 2, 0])
        0.75
    """
    predicted = _predicted(probs_or_predicted)
    requested = _check_labels("requested_labels", requested_labels, len(predicted))
    return float((predicted == requested).mean())


def per_class_accuracy(probs_or_predicted, requested_labels, num_classes):
    """Conditional accuracy of each requested class: which classes the generator gets wrong.

    Args:
        probs_or_predicted: As in `conditional_accuracy`.
        requested_labels: Integer array-like [n] in [0, num_classes).
        num_classes: Int C >= 2.

    Returns:
        A float64 np.ndarray [C]: entry c is the share of class-c requests classified as c; NaN for a class never
        requested.

    Raises:
        ValueError: as `conditional_accuracy`, or for labels outside [0, num_classes).

    Example:
        >>> per_class_accuracy([0, 1, 1, 1], [0, 0, 1, 1], 3).tolist()
        [0.5, 1.0, nan]
    """
    num_classes = _check_num_classes(num_classes)
    predicted = _predicted(probs_or_predicted)
    requested = _check_labels("requested_labels", requested_labels, len(predicted), num_classes)
    requests = np.bincount(requested, minlength=num_classes).astype(np.float64)
    hits = np.bincount(requested[predicted == requested], minlength=num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(requests > 0, hits / requests, np.nan)


def per_class_frechet_distance(real_features, real_labels, fake_features, fake_labels, num_classes):
    """Fréchet distance of each class: real features of class c against samples requested as class c.

    Every class needs at least `MIN_SAMPLES_PER_CLASS` (2) real and 2 generated examples for a covariance; like
    the pooled distance the estimate is biased upward for small sets, so compare figures only at equal counts
    (a balanced request of n samples gives each class n // C or n // C + 1).

    Args:
        real_features: Array-like [n, d] (more axes are flattened), features of real examples.
        real_labels: Integer array-like [n] in [0, num_classes), their true classes.
        fake_features: Array-like [m, d], features of generated examples from the same extractor.
        fake_labels: Integer array-like [m] in [0, num_classes), the classes they were requested as.
        num_classes: Int C >= 2.

    Returns:
        A float64 np.ndarray [C] of non-negative distances; 0 for a class whose two sets are identical.

    Raises:
        ValueError: if a set's labels do not match it in length or range, the widths differ, a value is NaN/inf,
            or a class has fewer than 2 real or generated examples (the message names the class and the counts).

    Example:
        >>> features = np.random.default_rng(0).normal(size=(100, 4)); labels = np.arange(100) % 2
        >>> per_class_frechet_distance(features, labels, features, labels, 2).round(6).tolist()
        [0.0, 0.0]
    """
    num_classes = _check_num_classes(num_classes)
    real = _pairwise.as_points("real_features", real_features)
    fake = _pairwise.as_points("fake_features", fake_features)
    real_labels = _check_labels("real_labels", real_labels, len(real), num_classes)
    fake_labels = _check_labels("fake_labels", fake_labels, len(fake), num_classes)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real_features and fake_features differ in width ({real.shape[1]} vs {fake.shape[1]}); "
                         "compute both with the same feature extractor.")
    real_counts = np.bincount(real_labels, minlength=num_classes)
    fake_counts = np.bincount(fake_labels, minlength=num_classes)
    short = np.flatnonzero(np.minimum(real_counts, fake_counts) < MIN_SAMPLES_PER_CLASS)
    if len(short):
        listed = ", ".join(f"class {c}: {real_counts[c]} real, {fake_counts[c]} generated" for c in short[:5])
        raise ValueError(
            f"The per-class Fréchet distance needs at least {MIN_SAMPLES_PER_CLASS} real and "
            f"{MIN_SAMPLES_PER_CLASS} generated examples of every class (for a covariance); {listed}"
            f"{' ...' if len(short) > 5 else ''}. Use more examples: a balanced request of n samples gives each "
            f"class n // {num_classes}, so n >= {MIN_SAMPLES_PER_CLASS * num_classes}, and better hundreds per class."
        )
    return np.array([frechet_distance(real[real_labels == c], fake[fake_labels == c]) for c in range(num_classes)])


def intra_frechet_distance(real_features, real_labels, fake_features, fake_labels, num_classes):
    """Intra-FD: the mean over classes of `per_class_frechet_distance` (Miyato & Koyama, 2018).

    Args:
        real_features: Array-like [n, d], features of real examples.
        real_labels: Integer array-like [n] in [0, num_classes).
        fake_features: Array-like [m, d], features of generated examples.
        fake_labels: Integer array-like [m] in [0, num_classes), the requested classes.
        num_classes: Int C >= 2.

    Returns:
        A non-negative float.

    Raises:
        ValueError: as `per_class_frechet_distance`.

    Example:
        >>> features = np.random.default_rng(0).normal(size=(100, 4)); labels = np.arange(100) % 2
        >>> round(intra_frechet_distance(features, labels, features + 1.0, labels, 2), 6)  # |shift|^2 = 4
        4.0
    """
    return float(np.mean(per_class_frechet_distance(real_features, real_labels, fake_features, fake_labels,
                                                    num_classes)))
