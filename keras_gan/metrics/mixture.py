"""Mode coverage on 2-D Gaussian mixtures (the unrolled-GAN / VEEGAN / PacGAN convention)."""

import numpy as np


def mode_coverage(samples, modes, stddev, *, num_stddevs=3.0, min_share=20 / 2500):
    """Counts the mixture modes a generator covers and the share of its samples that land on one.

    A sample is "high quality" when it lies within `num_stddevs` standard deviations of its nearest mode. A mode
    is covered when at least `min_share` of all samples are high-quality samples assigned to it (PacGAN's
    convention: 20 of 2,500 samples).

    Args:
        samples: Array-like [n, d], generated points.
        modes: Array-like [num_modes, d], the mixture's means.
        stddev: Positive float, the standard deviation of each mixture component.
        num_stddevs: Positive float, radius of a mode's neighbourhood in standard deviations.
        min_share: Float in [0, 1], share of all samples a mode needs to count as covered.

    Returns:
        A dict with `modes_covered` (int), `num_modes` (int), `high_quality_share` (float in [0, 1]) and
        `counts` (np.ndarray [num_modes], high-quality samples per mode).

    Raises:
        ValueError: if the shapes disagree, there are no samples, or `stddev` is not positive.

    Example:
        >>> modes = np.array([[0.0, 0.0], [5.0, 5.0]])
        >>> mode_coverage(np.zeros((100, 2)), modes, stddev=0.1)["modes_covered"]
        1
    """
    samples = np.asarray(samples, dtype=np.float64)
    modes = np.asarray(modes, dtype=np.float64)
    if samples.ndim != 2 or modes.ndim != 2 or samples.shape[1] != modes.shape[1]:
        raise ValueError(
            f"mode_coverage needs samples [n, d] and modes [num_modes, d] with the same d; got samples of shape "
            f"{samples.shape} and modes of shape {modes.shape}. Reshape both to 2-D arrays of points."
        )
    if len(samples) == 0:
        raise ValueError("mode_coverage got no samples; pass at least one generated point.")
    if not stddev > 0:
        raise ValueError(f"stddev must be positive, got {stddev}. Pass the mixture components' standard deviation.")
    distances = np.linalg.norm(samples[:, None, :] - modes[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    high_quality = distances[np.arange(len(samples)), nearest] <= num_stddevs * stddev
    counts = np.bincount(nearest[high_quality], minlength=len(modes))
    return {
        "modes_covered": int((counts >= min_share * len(samples)).sum()),
        "num_modes": len(modes),
        "high_quality_share": float(high_quality.mean()),
        "counts": counts,
    }
