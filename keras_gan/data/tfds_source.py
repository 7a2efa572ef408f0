"""TFDS image datasets: find or prepare one, resolve the splits, read a split into memory (or stream a huge one).

Where a TFDS dataset comes from, in order:

1. a dataset already prepared in `data_dir` (however it got there);
2. local IDX files (MNIST, Fashion-MNIST): `local_dir`, or the packaged folder
   `/usr/share/datasets/fashion-mnist` when it exists; prepared once into `data_dir`
   (see `keras_gan.data.local_builder.prepare`); a name that is not a TFDS dataset is a custom IDX dataset
   (`keras_gan.data.custom_builder`);
3. a normal TFDS download, after a quick reachability check of the dataset's hosts, so
   that an offline machine gets a clear error in seconds instead of minutes of retries.

Whatever fails on the way leaves `data_dir` as it was.
"""

import os
import socket
import threading
import urllib.parse

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan.data import custom_builder, local_builder, splits, tfds_writer
from keras_gan.progress import phase

__all__ = ["fixed_image_shape", "image_dtype", "prepared_builder", "read_split", "stream_batches", "tfds_split"]

# Seconds to wait for a dataset host before declaring the machine offline.
_PROBE_TIMEOUT_S = 5.0


def _image_key(builder):
    features = builder.info.features
    images = [k for k, f in features.items() if isinstance(f, tfds.features.Image)]
    keys = builder.info.supervised_keys
    if keys and isinstance(keys[0], str) and keys[0] in images:
        return keys[0]
    if "image" in images:
        return "image"
    if len(images) == 1:
        return images[0]
    raise ValueError(
        f"{builder.name!r} is not an image dataset with one image feature (features: {list(features.keys())}). "
        "Choose an image dataset (e.g. mnist, fashion_mnist, cifar10)."
    )


def _label_key(builder):
    keys = builder.info.supervised_keys
    if keys and len(keys) > 1 and isinstance(keys[1], str):
        return keys[1]
    return "label" if "label" in builder.info.features.keys() else None


def fixed_image_shape(builder):
    """The `(H, W, C)` of a TFDS image dataset's images, from its metadata.

    Args:
        builder: A `tfds.core.DatasetBuilder`.

    Returns:
        Tuple of ints.

    Raises:
        ValueError: not an image dataset, or images of variable shape.

    Example:
        >>> fixed_image_shape(tfds.builder("mnist"))  # doctest: +SKIP
        (28, 28, 1)
    """
    shape = tuple(builder.info.features[_image_key(builder)].shape)
    if None in shape:
        raise ValueError(
            f"{builder.name!r} has images of variable shape {shape}; GAN.fit needs a fixed "
            "shape. Resize them first (e.g. a tf.data map with tf.image.resize)."
        )
    return shape


def image_dtype(builder):
    """The NumPy dtype of a TFDS image dataset's pixels (uint8; uint16 for 16-bit PNG datasets).

    Args:
        builder: A `tfds.core.DatasetBuilder`.

    Returns:
        A `np.dtype`.

    Example:
        >>> image_dtype(tfds.builder("mnist"))  # doctest: +SKIP
        dtype('uint8')
    """
    return np.dtype(builder.info.features[_image_key(builder)].np_dtype)


def _probe(host, port):
    # Resolve and connect in a thread: name resolution has no timeout of its own.
    result = {}

    def connect():
        try:
            socket.create_connection((host, port), timeout=_PROBE_TIMEOUT_S).close()
            result["ok"] = True
        except OSError as e:
            result["error"] = e

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(_PROBE_TIMEOUT_S + 1)
    return result.get("error", None if result.get("ok") else TimeoutError("timed out"))


def _offline_hint(name):
    if name in local_builder.LOCAL_DATASETS:
        hint = ("Put its four IDX files (train-images-idx3-ubyte[.gz], ...) in a folder and "
                "pass local_dir=<folder>")
        if name == "fashion_mnist":
            hint += ", or `apt-get install dataset-fashion-mnist`"
        return hint + "."
    return ("Run once where the dataset host is reachable, or copy a prepared "
            f"<data_dir>/{name} folder from another machine; offline here, only "
            f"{list(local_builder.LOCAL_DATASETS)} can be built from local files, and your own "
            "data from a folder of images, a .npy/.npz file or IDX files under a custom name.")


def _check_online(builder):
    """Raises ConnectionError fast if the hosts the builder downloads from are unreachable."""
    targets = set()
    for url in (builder.url_infos or {}):
        parts = urllib.parse.urlsplit(url)
        proxy = (os.environ.get(f"{parts.scheme}_proxy") or
                 os.environ.get(f"{parts.scheme.upper()}_PROXY"))
        if proxy:
            parts = urllib.parse.urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if parts.hostname:
            targets.add((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)))
    for host, port in sorted(targets):
        error = _probe(host, port)
        if error is not None:
            raise ConnectionError(
                f"Cannot download {builder.name!r}: {host}:{port} is unreachable ({error}); this "
                f"machine looks offline. {_offline_hint(builder.name)}"
            )


def prepared_builder(name, data_dir=None, local_dir=None):
    """A prepared TFDS builder for `name`: already there, built from local IDX files, or downloaded.

    Args:
        name: A TFDS image dataset name, or a custom IDX dataset name (see `keras_gan.data.custom_builder`).
        data_dir: TFDS data_dir; defaults to TFDS's.
        local_dir: Optional folder of IDX files (see `keras_gan.data.local_builder.prepare`).

    Returns:
        A prepared `tfds.core.DatasetBuilder`.

    Raises:
        ValueError: unknown name, not an image dataset, variable image shape, or bad local files.
        ConnectionError: the dataset must be downloaded and its host is unreachable.

    Example:
        >>> prepared_builder("fashion_mnist").info.splits["test"].num_examples  # doctest: +SKIP
        10000
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a dataset name (a non-empty string), got {name!r}.")
    if not custom_builder.is_registered(name):
        return custom_builder.prepare_custom(name, local_dir, data_dir)
    builder = tfds.builder(name, data_dir=data_dir)
    fixed_image_shape(builder)  # Fail on non-image data before downloading anything.
    if builder.is_prepared():
        return builder
    local_dir = local_dir or local_builder.default_local_dir(builder.name)
    if local_dir is not None:
        return local_builder.prepare(name, local_dir, data_dir)
    _check_online(builder)
    root = tfds_writer.data_dir_root(builder)
    with phase(f"Downloading and preparing {name} into {root} with TFDS"), tfds_writer.rollback(root, builder.name):
        builder.download_and_prepare()
    return builder


def tfds_split(builder, split):
    """The TFDS split string of `split` for this dataset (the rule of `keras_gan.data.splits`).

    Args:
        builder: A `tfds.core.DatasetBuilder`.
        split: `"train"`, `"validation"`, `"test"` or any TFDS split string (passed through).

    Returns:
        A TFDS split string, e.g. `"train[50000:60000]"` for MNIST's validation.

    Raises:
        ValueError: `split` is not a string, or the dataset has no train split for the rule.

    Example:
        >>> tfds_split(tfds.builder("mnist"), "validation")  # doctest: +SKIP
        'train[50000:60000]'
    """
    if split not in splits.SPLITS:
        return splits.resolve_split(split)
    available = builder.info.splits
    if "train" not in available:
        raise ValueError(
            f"{builder.name!r} has splits {sorted(available)} and no 'train' split for the train/validation/test "
            "rule; pass one of its own TFDS split strings instead (e.g. 'test[:50%]')."
        )
    return splits.resolve_split(split, available["train"].num_examples, "test" in available)


def _keys(builder, with_labels):
    keys = [_image_key(builder)]
    if with_labels:
        label = _label_key(builder)
        if label is None:
            raise ValueError(f"{builder.name!r} has no label feature; read its images only (with_labels=False).")
        keys.append(label)
    return keys


def read_split(builder, split, with_labels=None):
    """Decodes a whole split into memory: uint8 images `[N, H, W, C]` (and int64 labels).

    Args:
        builder: A prepared `tfds.core.DatasetBuilder`.
        split: A TFDS split string (see `tfds_split`).
        with_labels: True (labels required), False (none), or None (labels when the dataset has them).

    Returns:
        `(images, labels or None)`.

    Raises:
        ValueError: the split is empty, or labels were required and the dataset has none.

    Example:
        >>> images, labels = read_split(prepared_builder("mnist"), "test")  # doctest: +SKIP
    """
    keys = _keys(builder, with_labels if with_labels is not None else _label_key(builder) is not None)
    ds = builder.as_dataset(split=split, shuffle_files=False)
    ds = ds.map(lambda ex: tuple(ex[k] for k in keys), num_parallel_calls=tf.data.AUTOTUNE)
    parts = [[] for _ in keys]
    for batch in ds.batch(4096).as_numpy_iterator():
        for part, values in zip(parts, batch):
            part.append(values)
    if not parts[0]:
        raise ValueError(f"Split {split!r} of {builder.name!r} is empty. Choose a split that holds examples.")
    images = np.concatenate(parts[0])
    return images, np.concatenate(parts[1]).astype(np.int64) if len(keys) > 1 else None


def stream_batches(builder, split, *, global_batch, shuffle, seed, deterministic, preprocess, with_labels):
    """Batches streamed from TFDS's files: only for splits too large to hold in memory (over 1 GiB decoded).

    Every split that fits goes through `keras_gan.data.pipeline.epoch_batches`; this path exists because a
    dataset like CelebA (tens of GiB decoded) cannot be gathered from memory. Its order comes from a shuffle
    buffer (up to 256 MiB of examples), seeded but not a full permutation.

    Args:
        builder: A prepared `tfds.core.DatasetBuilder`.
        split: A TFDS split string.
        global_batch: Positive int, examples per batch (drop remainder).
        shuffle: Bool, reshuffle every epoch.
        seed: Int shuffle seed.
        deterministic: Bool, tf.data's deterministic option for the parallel maps.
        preprocess: Function applied per batch.
        with_labels: Bool, batches of `(images, labels)`.

    Returns:
        A `tf.data.Dataset` of batches.

    Example:
        >>> ds = stream_batches(prepared_builder("celeb_a"), "train", global_batch=64, shuffle=True, seed=0,
        ...                     deterministic=False, preprocess=None, with_labels=False)  # doctest: +SKIP
    """
    keys = _keys(builder, with_labels)
    read_config = tfds.ReadConfig(shuffle_seed=seed, try_autocache=False)
    # Ordered datasets (built from local files) refuse shuffled file reads.
    shuffle_files = shuffle and not builder.info.disable_shuffling
    ds = builder.as_dataset(split=split, shuffle_files=shuffle_files, read_config=read_config)
    ds = ds.map(lambda ex: tuple(ex[k] for k in keys) if with_labels else ex[keys[0]],
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    if shuffle:
        feature = builder.info.features[keys[0]]
        example_bytes = int(np.prod(feature.shape)) * np.dtype(feature.np_dtype).itemsize
        ds = ds.shuffle(max(1000, (256 << 20) // example_bytes), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(global_batch, drop_remainder=True)
    return ds.map(preprocess, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
