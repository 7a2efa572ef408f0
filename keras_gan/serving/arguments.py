"""What the client's request builders check before anything is sent: z, counts, labels and signature names.

The served model checks the same again inside its graph (`keras_gan.serving.inputs`), for other clients; these
checks only fail earlier, in the caller's process, with the same kind of message: what is wrong and what to pass.
"""

import numpy as np

from keras_gan.conditional import MIX
from keras_gan.serving import signatures as sig

__all__ = ["check_counts", "check_label", "check_labels", "check_sampling", "check_z"]

_SAMPLING_SIGNATURES = (sig.SAMPLE, sig.SAMPLE_PNG)
_INT32_MAX = 2**31 - 1
_INT64 = np.iinfo(np.int64)


def check_z(z):
    """Returns z as float32 [batch, latent_dim].

    Args:
        z: Array-like [batch, latent_dim] of finite real numbers.

    Returns:
        np.ndarray float32.

    Raises:
        ValueError: if z is not 2-D, not numeric, or holds NaN or infinite values.

    Example:
        >>> check_z([[0, 1]]).dtype
        dtype('float32')
    """
    z = np.asarray(z)
    if z.dtype == bool or not (np.issubdtype(z.dtype, np.floating) or np.issubdtype(z.dtype, np.integer)):
        raise ValueError(f"z must hold real numbers (noise vectors), got dtype {z.dtype}; pass a float array.")
    if z.ndim != 2:
        raise ValueError(f"z must be 2-D [batch, latent_dim]; got shape {z.shape}. Use z[None] for one vector.")
    z = z.astype(np.float32)
    if not np.isfinite(z).all():
        raise ValueError(
            f"z holds NaN or infinite values (first at {tuple(int(i) for i in np.argwhere(~np.isfinite(z))[0])}); "
            "send finite noise, or a sample request to let the server draw z."
        )
    return z


def check_counts(num_samples, seed):
    """Returns (num_samples, seed) as ints after checking they fit the signature's int32 and int64.

    Args:
        num_samples: Int in [0, 2**31 - 1].
        seed: Int that fits in an int64.

    Returns:
        (int, int).

    Raises:
        ValueError: for a value that is not an int, or out of range.

    Example:
        >>> check_counts(np.int64(4), 7)
        (4, 7)
    """
    for name, value in (("num_samples", num_samples), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an int, got {value!r} ({type(value).__name__}); pass e.g. {name}=4.")
    if not 0 <= num_samples <= _INT32_MAX:
        raise ValueError(
            f"num_samples must be in [0, {_INT32_MAX}] (an int32), got {num_samples}; ask for 0 or more samples."
        )
    if not _INT64.min <= seed <= _INT64.max:
        raise ValueError(f"seed must fit in an int64, got {seed}; pass a smaller seed.")
    return int(num_samples), int(seed)


def check_label(label, num_classes):
    """Returns the label of a `sample` / `sample_png` request, or None for an unconditional export.

    Args:
        label: None, or an int: a class in [0, C), or -1 for a class-balanced mix.
        num_classes: None, or the export's int C >= 2. With no label, it makes the label -1: "no label means a
            mix" is this default, since the served signature requires a label.

    Returns:
        Int in [-1, C), or None when neither label nor num_classes is given.

    Raises:
        ValueError: for a label that is not an int or is out of range, or a bad num_classes.

    Example:
        >>> check_label(None, 10), check_label(3, None), check_label(None, None)
        (-1, 3, None)
    """
    num_classes = _check_num_classes(num_classes)
    if label is None:
        return None if num_classes is None else MIX
    text, end = _classes(num_classes)
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise ValueError(
            f"label must be an int, a class in {text} or -1 for a mix of classes, got {label!r} "
            f"({type(label).__name__}); pass e.g. label=3."
        )
    if not MIX <= label < end:
        raise ValueError(f"label must be a class in {text}, or -1 for a mix of classes; got {label}.")
    return int(label)


def check_labels(label, batch, num_classes):
    """Returns the labels of a `serving_default` request as int32 [batch], or None for an unconditional export.

    Args:
        label: None, or a list or 1-D int array: one class in [0, C) per row of z.
        batch: Int, the number of rows of z.
        num_classes: None, or the export's int C >= 2; with it, a missing label is refused.

    Returns:
        np.ndarray int32 [batch], or None when neither label nor num_classes is given.

    Raises:
        ValueError: for labels that are not one int per row of z in [0, C), or a missing one.

    Example:
        >>> check_labels([0, 2], 2, 3).tolist()
        [0, 2]
    """
    num_classes = _check_num_classes(num_classes)
    text, end = _classes(num_classes)
    if label is None:
        if num_classes is None:
            return None
        raise ValueError(
            f"A conditional export's serving_default needs label=[...]: one class in {text} per row of z. For a "
            "mix of classes with noise drawn on the server, build a 'sample' request with label=-1."
        )
    labels = np.asarray(label)
    if labels.ndim == 1 and labels.size == 0:
        labels = labels.astype(np.int32)  # [] reads as float64.
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise ValueError(
            f"label must be a list of int classes in {text}, one per row of z; got {str(label)[:200]} (dtype "
            f"{labels.dtype}, shape {labels.shape})."
        )
    if len(labels) != batch:
        raise ValueError(f"label holds {len(labels)} classes for {batch} rows of z; pass one class per row.")
    if len(labels) and (labels.min() < 0 or labels.max() >= end):
        bad = labels[(labels < 0) | (labels >= end)][0]
        raise ValueError(
            f"label {int(bad)} is not a class in {text}; serving_default takes class indices (-1, a mix, is for "
            "'sample')."
        )
    return labels.astype(np.int32)


def check_sampling(signature_name):
    """Returns `signature_name` if it is a sampling signature ("sample" or "sample_png").

    Args:
        signature_name: Str.

    Returns:
        The same str.

    Raises:
        ValueError: for any other name, with what to use instead.

    Example:
        >>> check_sampling("sample_png")
        'sample_png'
    """
    if signature_name not in _SAMPLING_SIGNATURES:
        raise ValueError(
            f"Unknown sampling signature {signature_name!r}; use 'sample' (arrays, any export) or 'sample_png' (PNG "
            "files, image exports only). For noise you choose, build a 'serving_default' request from z instead."
        )
    return signature_name


def _check_num_classes(num_classes):
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
        raise ValueError(
            f"num_classes must be None (an unconditional export) or the export's int >= 2 (its "
            f"keras_gan_export.json says), got {num_classes!r}."
        )
    return int(num_classes)


def _classes(num_classes):
    """The label range's text and its end: [0, C), or all of int32 when C is not known here."""
    if num_classes is None:
        return "[0, num_classes)", _INT32_MAX + 1
    return f"[0, {num_classes})", num_classes
