"""Images from `.npy` / `.npz` files: the quickest way to train on arrays a user already has.

* `.npy`: the images alone, uint8 `[N, H, W]` or `[N, H, W, C]` (pixels 0..255), or floats in [0, 1].
* `.npz`: images under `x` or `images`, optional integer labels under `y` or `labels`; or per split, as
  `keras.datasets` return them: `x_train`, `y_train`, `x_test`, `y_test` (`np.savez(path, x_train=..., ...)`).

Everything is checked before it is used (rank, dtype, range, NaN/inf, label count and sign), and each problem is a
ValueError that names it and the fix. Arrays are read with `allow_pickle=False`: a data file never runs code.
"""

import os
import zipfile

import numpy as np

__all__ = ["ARRAY_SUFFIXES", "check_images", "check_labels", "read_array_file"]

ARRAY_SUFFIXES = (".npy", ".npz")

# Key names in an .npz file: the images, the labels, each optionally per split (x_train, y_test, ...).
_IMAGE_KEYS = ("x", "images")
_LABEL_KEYS = ("y", "labels")


def check_images(images, where):
    """Checks an image array and returns it as uint8 or float32 `[N, H, W, C]`.

    Args:
        images: Array `[N, H, W]` or `[N, H, W, C]` (C in 1..4): uint8 / integers in 0..255, or floats in [0, 1].
        where: Str naming the array in messages (a file and key).

    Returns:
        uint8 (integer input) or float32 (float input) `np.ndarray` `[N, H, W, C]`.

    Raises:
        ValueError: wrong rank or channels, no images, a non-numeric dtype, NaN/inf, or values out of range.

    Example:
        >>> check_images(np.zeros((2, 28, 28), np.uint8), "x").shape
        (2, 28, 28, 1)
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or not 1 <= images.shape[-1] <= 4:
        hint = (f" (flattened images? reshape them, e.g. x.reshape(-1, 28, 28) for {images.shape[-1]} = 28 * 28)"
                if images.ndim == 2 else "")
        raise ValueError(
            f"{where} has shape {images.shape}; images must be [N, H, W] or [N, H, W, C] with C = 1..4 channels "
            f"last{hint}. Reshape or transpose the array and save it again."
        )
    if len(images) == 0:
        raise ValueError(f"{where} holds no images. Save a non-empty array.")
    if np.issubdtype(images.dtype, np.integer) or images.dtype == bool:
        low, high = int(images.min()), int(images.max())
        if low < 0 or high > 255:
            raise ValueError(f"{where} has integer pixels in [{low}, {high}]; they must lie in [0, 255]. "
                             "Rescale them, or save floats in [0, 1].")
        return images.astype(np.uint8, copy=False)
    if not np.issubdtype(images.dtype, np.floating):
        raise ValueError(f"{where} has dtype {images.dtype}; save images as uint8 (0..255) or floats in [0, 1].")
    bad = ~np.isfinite(images)
    if bad.any():
        first = int(np.argmax(bad.reshape(len(images), -1).any(axis=1)))
        raise ValueError(
            f"{where} has {int(bad.sum())} NaN/inf values (the first in image {first}). Remove or repair those "
            "images (e.g. np.nan_to_num) and save the array again."
        )
    low, high = float(images.min()), float(images.max())
    if low < 0 or high > 1:
        fix = ("divide by 255" if low >= 0 and high <= 255 else
               "map [-1, 1] to [0, 1] with (x + 1) / 2" if low >= -1 and high <= 1 else "rescale them")
        raise ValueError(
            f"{where} has float pixels in [{low:.4g}, {high:.4g}]; float images must lie in [0, 1]: {fix}, or save "
            "uint8 pixels (0..255)."
        )
    return images.astype(np.float32, copy=False)


def check_labels(labels, num_images, where):
    """Checks a label array against its images and returns it as int64 `[N]`.

    Args:
        labels: Array `[N]` of integers >= 0.
        num_images: Int, N of the images the labels belong to.
        where: Str naming the array in messages.

    Returns:
        int64 `np.ndarray` `[N]`.

    Raises:
        ValueError: wrong rank, non-integer or negative labels, or a count other than `num_images`.

    Example:
        >>> check_labels(np.array([0, 2]), 2, "y").dtype
        dtype('int64')
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool):
        raise ValueError(f"{where} has shape {labels.shape} and dtype {labels.dtype}; labels must be integers [N] "
                         "(class indices; for one-hot labels save y.argmax(axis=1)).")
    if len(labels) != num_images:
        raise ValueError(f"{where} holds {len(labels)} labels for {num_images} images; save one label per image "
                         "(the same N), or leave the labels out.")
    if len(labels) and labels.min() < 0:
        raise ValueError(f"{where} has label {int(labels.min())}; labels must be class indices >= 0.")
    return labels.astype(np.int64, copy=False)


def _load(path):
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"Cannot read {path!r} as a NumPy {os.path.splitext(path)[1]} file ({e}). Save numeric "
                         "arrays with np.save / np.savez (no pickled objects).") from None


def _first_key(keys, names, suffix=""):
    found = [name + suffix for name in names if name + suffix in keys]
    return found[0] if found else None


def read_array_file(path):
    """Reads and checks the images (and labels) of a `.npy` or `.npz` file.

    Args:
        path: Str, a `.npy` file of images, or a `.npz` file with `x`/`images` and optional `y`/`labels`, or
            `x_train` (and optional `x_test`, `y_train`, `y_test`).

    Returns:
        `{"train": (images, labels or None)}`, with `"test"` when the file has a test split; images as in
        `check_images`, labels int64.

    Raises:
        ValueError: a missing or unreadable file, no images key (the message lists the keys found), labels for one
            split only, or any problem `check_images` / `check_labels` names.

    Example:
        >>> sources = read_array_file("faces.npz")  # doctest: +SKIP
        >>> sources["train"][0].shape  # doctest: +SKIP
        (5000, 32, 32, 3)
    """
    if not os.path.isfile(path):
        raise ValueError(f"No file {path!r}. Pass the path of an existing .npy or .npz file.")
    data = _load(path)
    if path.endswith(".npy"):
        return {"train": (check_images(data, path), None)}
    with data:
        keys = set(data.files)
        per_split = _first_key(keys, _IMAGE_KEYS, "_train")
        plain = _first_key(keys, _IMAGE_KEYS)
        if (per_split is None) == (plain is None):
            raise ValueError(
                f"{path!r} has keys {sorted(keys)}; it needs exactly one of: images under 'x' or 'images' (labels "
                "optional under 'y' or 'labels'), or per split 'x_train' (and optional 'x_test', 'y_train', "
                "'y_test'). Save it with np.savez(path, x=images, y=labels)."
            )
        suffixes = ("",) if plain else ("_train", "_test")
        sources = {}
        for suffix in suffixes:
            image_key = _first_key(keys, _IMAGE_KEYS, suffix)
            if image_key is None:
                continue
            images = check_images(data[image_key], f"{path}[{image_key!r}]")
            label_key = _first_key(keys, _LABEL_KEYS, suffix)
            labels = (None if label_key is None else
                      check_labels(data[label_key], len(images), f"{path}[{label_key!r}]"))
            sources["test" if suffix == "_test" else "train"] = (images, labels)
    if len({labels is None for _, labels in sources.values()}) > 1:
        raise ValueError(f"{path!r} has labels for one split only; save y_train and y_test, or neither.")
    if len({images.shape[1:] for images, _ in sources.values()}) > 1:
        raise ValueError(f"{path!r}: x_train and x_test hold images of different shapes; save one shape.")
    return sources
