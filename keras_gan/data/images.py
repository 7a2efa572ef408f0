"""Image datasets for GANs through TFDS: load, split, scale, batch for k D-steps, feed `GAN.fit`.

`image_dataset(name)` works for any TFDS image dataset with a fixed image shape. Where
does the data come from, in order:

1. a dataset already prepared in `data_dir` (however it got there);
2. local IDX files (MNIST, Fashion-MNIST): `local_dir`, or the packaged folder
   `/usr/share/datasets/fashion-mnist` when it exists; prepared once into `data_dir`
   (see `keras_gan.data.local_builder.prepare`);
3. a normal TFDS download, after a quick reachability check of the dataset's hosts, so
   that an offline machine gets a clear error in seconds instead of minutes of retries.

Whatever fails on the way leaves `data_dir` as it was.
"""

import difflib
import os
import socket
import threading
import urllib.parse

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan.data import local_builder

__all__ = [
    "PAPER_SPLITS",
    "IMAGE_RANGES",
    "image_dataset",
    "load_arrays",
    "image_shape",
    "check_image_shape",
    "resolve_split",
]

# The paper's MNIST protocol (the released code's mnist.yaml): first 50,000 training
# images to train, the last 10,000 to validate (choose the Parzen sigma), test to evaluate.
PAPER_SPLITS = {
    "train": "train[0:50000]",
    "validation": "train[50000:60000]",
    "test": "test",
}

# Range of the generator's output layer -> pixel range the data is scaled to.
IMAGE_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}

# Splits at most this large (decoded, in bytes) are held as one tensor and batched by
# index (see `_in_memory_batches`); larger ones stream through tf.data.
_IN_MEMORY_MAX_BYTES = 1 << 30

# Seconds to wait for a dataset host before declaring the machine offline.
_PROBE_TIMEOUT_S = 5.0

# `tfds.testing.mock_data` replaces this method; then nothing is read, prepared or downloaded.
_REAL_DOWNLOAD_AND_PREPARE = vars(tfds.core.DatasetBuilder)["download_and_prepare"]


def resolve_split(split):
    """Maps the paper's split names to TFDS split strings; passes others through.

    Args:
        split: `"train"`, `"validation"` or `"test"` (the paper's `train[0:50000]`,
            `train[50000:60000]`, `test`), or any TFDS split string such as
            `"train[:10%]"`, `"train+test"`, `"train[:100%]"` (the whole TFDS train split).

    Returns:
        A TFDS split string.

    Raises:
        ValueError: `split` is not a non-empty string.

    Example:
        >>> resolve_split("validation")
        'train[50000:60000]'
        >>> resolve_split("train[:10%]")
        'train[:10%]'
    """
    if not isinstance(split, str) or not split:
        raise ValueError(f"split must be a non-empty string, got {split!r}.")
    return PAPER_SPLITS.get(split, split)


def _builder(name, data_dir):
    """The TFDS builder for `name`, with a helpful error for unknown names."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a TFDS dataset name, got {name!r}.")
    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        known = tfds.list_builders(with_community_datasets=False)
        close = difflib.get_close_matches(name.split(":")[0].split("/")[0], known, n=5)
        raise ValueError(
            f"Unknown dataset {name!r}. Offline from local IDX files: "
            f"{list(local_builder.LOCAL_DATASETS)}. Closest TFDS names: {close or 'none'}; "
            "`tfds.list_builders()` lists all, e.g. mnist, fashion_mnist, cifar10, svhn_cropped."
        ) from None


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
        f"{builder.name!r} is not an image dataset with one image feature "
        f"(features: {list(features.keys())})."
    )


def _label_key(builder):
    keys = builder.info.supervised_keys
    if keys and len(keys) > 1 and isinstance(keys[1], str):
        return keys[1]
    return "label" if "label" in builder.info.features.keys() else None


def _fixed_image_shape(builder):
    shape = tuple(builder.info.features[_image_key(builder)].shape)
    if None in shape:
        raise ValueError(
            f"{builder.name!r} has images of variable shape {shape}; GAN.fit needs a fixed "
            "shape. Resize them first (e.g. a tf.data map with tf.image.resize)."
        )
    return shape


def image_shape(name, *, data_dir=None):
    """The shape of one image of a TFDS dataset, without downloading or preparing it.

    Args:
        name: TFDS dataset name.
        data_dir: TFDS data_dir; defaults to TFDS's.

    Returns:
        `(height, width, channels)`.

    Raises:
        ValueError: unknown dataset, not an image dataset, or images of variable shape.

    Example:
        >>> image_shape("fashion_mnist")
        (28, 28, 1)
    """
    return _fixed_image_shape(_builder(name, data_dir))


def check_image_shape(dataset_shape, network_input_shape):
    """Checks that a network takes the dataset's images, and says whether to flatten them.

    Args:
        dataset_shape: Shape of one image, e.g. `(28, 28, 1)` (see `image_shape`).
        network_input_shape: Shape one example must have for the network (the
            discriminator's input, the generator's output), e.g. `(784,)` for the paper's
            MLP or `(28, 28, 1)` for DCGAN.

    Returns:
        `flatten`: True if images must be flattened (pass `flatten=True` to
        `image_dataset`), False if they fit as they are.

    Raises:
        ValueError: the shapes do not match either way.

    Example:
        >>> check_image_shape((28, 28, 1), (784,))
        True
        >>> check_image_shape((28, 28, 1), (28, 28, 1))
        False
    """
    dataset_shape = tuple(int(d) for d in dataset_shape)
    network_input_shape = tuple(int(d) for d in network_input_shape if d is not None)
    if dataset_shape == network_input_shape:
        return False
    size = int(np.prod(dataset_shape))
    if len(network_input_shape) == 1 and network_input_shape[0] == size:
        return True
    raise ValueError(
        f"Images of shape {dataset_shape} do not fit a network that takes {network_input_shape}. "
        f"Build the networks for this data: input shape {dataset_shape} (convolutional) or "
        f"({size},) (flattened, e.g. paper_discriminator(input_shape=({size},)) and "
        f"paper_generator(output_shape=({size},))), or choose a dataset with that image shape."
    )


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
        hint = (f"Put its four IDX files (train-images-idx3-ubyte[.gz], ...) in a folder and "
                f"pass local_dir=<folder>")
        if name == "fashion_mnist":
            hint += ", or `apt-get install dataset-fashion-mnist`"
        return hint + "."
    return ("Run once where the dataset host is reachable, or copy a prepared "
            f"<data_dir>/{name} folder from another machine; offline here, only "
            f"{list(local_builder.LOCAL_DATASETS)} can be built from local files.")


def _check_online(builder):
    """Raises ConnectionError fast if the hosts the builder downloads from are unreachable."""
    urls = list((builder.url_infos or {}).keys())
    targets = set()
    for url in urls:
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


def _tfds_is_mocked():
    # Inside `tfds.testing.mock_data`, as_dataset makes up examples and nothing is prepared.
    return vars(tfds.core.DatasetBuilder)["download_and_prepare"] is not _REAL_DOWNLOAD_AND_PREPARE


def _prepared_builder(name, data_dir, local_dir):
    """A prepared builder for `name`: already there, built from local files, or downloaded."""
    builder = _builder(name, data_dir)
    _fixed_image_shape(builder)  # Fail on non-image data before downloading anything.
    if builder.is_prepared() or _tfds_is_mocked():
        return builder
    local_dir = local_dir or local_builder.default_local_dir(builder.name)
    if local_dir is not None:
        return local_builder.prepare(name, local_dir, data_dir)
    _check_online(builder)
    with local_builder.rollback(local_builder.data_dir_root(builder), builder.name):
        builder.download_and_prepare()
    return builder


def _read_split(builder, split, with_labels):
    """Decodes a whole split into numpy: uint8 images [N, H, W, C] (and labels)."""
    image_key = _image_key(builder)
    label_key = _label_key(builder) if with_labels else None
    if with_labels and label_key is None:
        raise ValueError(f"{builder.name!r} has no label feature; use image_dataset instead.")
    ds = builder.as_dataset(split=split, shuffle_files=False)
    keys = [image_key] + ([label_key] if label_key else [])
    ds = ds.map(lambda ex: tuple(ex[k] for k in keys), num_parallel_calls=tf.data.AUTOTUNE)
    parts = [[] for _ in keys]
    for batch in ds.batch(4096).as_numpy_iterator():
        for part, values in zip(parts, batch):
            part.append(values)
    if not parts[0]:
        raise ValueError(f"Split {split!r} of {builder.name!r} is empty.")
    return tuple(np.concatenate(part) for part in parts)


def _check_image_range(image_range):
    if image_range not in IMAGE_RANGES:
        raise ValueError(
            f"image_range must be one of {sorted(IMAGE_RANGES)} (the generator's output "
            f"activation), got {image_range!r}."
        )


def load_arrays(name, split="train", *, data_dir=None, local_dir=None):
    """Loads a split of a TFDS image dataset into memory as float images in [0, 1].

    Args:
        name: TFDS dataset name (`"mnist"`, `"fashion_mnist"`, `"cifar10"`, ...).
        split: The paper's `"train"` / `"validation"` / `"test"` or a TFDS split string
            (see `resolve_split`).
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).
        local_dir: Folder of MNIST-style IDX files to build `name` from (MNIST,
            Fashion-MNIST). Defaults to `/usr/share/datasets/fashion-mnist` for
            Fashion-MNIST where that exists. Read only while `name` is not yet prepared in
            `data_dir`; afterwards TFDS's prepared files are used.

    Returns:
        `(images, labels)`: float32 `[N, H, W, C]` in [0, 1] and int64 `[N]`.

    Raises:
        ValueError: unknown dataset or split, not an image dataset, no labels, bad local files.
        ConnectionError: the dataset must be downloaded and its host is unreachable.

    Example:
        >>> x, y = load_arrays("fashion_mnist", "test")  # doctest: +SKIP
        >>> x.shape, y.shape  # doctest: +SKIP
        ((10000, 28, 28, 1), (10000,))
    """
    builder = _prepared_builder(name, data_dir, local_dir)
    images, labels = _read_split(builder, resolve_split(split), with_labels=True)
    scale = np.float32(1.0 / np.iinfo(images.dtype).max)
    return images.astype(np.float32) * scale, labels.astype(np.int64)


def _scale_fn(dtype, shape, image_range, flatten):
    low, high = IMAGE_RANGES[image_range]
    scale = (high - low) / float(np.iinfo(dtype.as_numpy_dtype).max)
    size = int(np.prod(shape))

    def fn(batch):
        x = tf.cast(batch, tf.float32) * scale + low
        # Keep the static batch size (drop_remainder) in the element spec.
        return tf.reshape(x, [x.shape[0] or -1, size]) if flatten else x

    return fn


def _in_memory_batches(images, batch_size, shuffle, seed, scale):
    """Batches of an in-memory uint8 tensor, a fresh permutation per epoch.

    The per-example tf.data path (shuffle buffer, then batch) costs a few microseconds per
    example; here one epoch is one permutation and each batch is one gather, so the cost is
    per batch, well below what a training step takes.
    """
    n = int(images.shape[0])
    steps = n // batch_size
    images = tf.constant(images)
    if shuffle:
        # One seed per pass over the dataset (a new iterator each epoch), so each epoch has
        # its own order, and the same seed gives the same sequence of orders.
        epoch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).take(1)

        def epoch(s):
            perm = tf.random.experimental.stateless_shuffle(
                tf.range(n), seed=tf.stack([s, tf.constant(0, tf.int64)]))
            return tf.data.Dataset.from_tensor_slices(
                tf.reshape(perm[: steps * batch_size], [steps, batch_size]))

        indices = epoch_seeds.flat_map(epoch)
    else:
        indices = tf.data.Dataset.range(steps).map(
            lambda i: i * batch_size + tf.range(batch_size, dtype=tf.int64))
    indices = indices.apply(tf.data.experimental.assert_cardinality(steps))
    # Order-preserving: the order is the seeded permutation, whatever `deterministic` says.
    return indices.map(lambda i: scale(tf.gather(images, i)), num_parallel_calls=tf.data.AUTOTUNE,
                       deterministic=True)


def image_dataset(name, split="train", *, batch_size=100, d_steps=1, image_range="sigmoid",
                  flatten=False, shuffle=True, seed=0, deterministic=False, cache=True,
                  data_dir=None, local_dir=None):
    """A `tf.data.Dataset` of image batches from TFDS, ready for `GAN.fit`.

    Each element is one float32 batch of `d_steps * batch_size` images (labels dropped),
    `drop_remainder`, so `GAN.train_step` can split it into k minibatches of m for its k
    discriminator updates. Pixels are scaled to the generator's output range. The dataset
    is finite (one epoch per iteration, a new order each epoch when `shuffle`), prefetched.

    With `cache=True` a split of up to 1 GiB (decoded) is read once and held in memory as
    one uint8 tensor; each epoch is one permutation and each batch one gather, so the
    input pipeline costs per batch, not per image. Larger splits, or `cache=False`, stream
    through tf.data (shuffle buffer, batch, scale).

    Args:
        name: TFDS dataset name: `"mnist"`, `"fashion_mnist"`, `"cifar10"`, ... (any TFDS
            image dataset with a fixed image shape).
        split: The paper's `"train"` (train[0:50000]), `"validation"` (train[50000:60000])
            or `"test"`, or any TFDS split string (`"train[:100%]"` is the whole train split).
        batch_size: Positive int m, examples per discriminator minibatch (paper: 100).
        d_steps: Positive int k, discriminator updates per generator update; each
            element holds k*m images.
        image_range: `"sigmoid"` scales pixels to [0, 1] (the paper's generator),
            `"tanh"` to [-1, 1] (DCGAN).
        flatten: True gives `[k*m, H*W*C]` (the paper's MLPs), False `[k*m, H, W, C]`
            (conv nets). `check_image_shape` tells which a network needs.
        shuffle: Reshuffle the examples every epoch.
        seed: Int seed of the shuffle, or None for a different order on every call.
        deterministic: If True, tf.data keeps element order exactly reproducible;
            if False it may reorder parallel work for speed (only the streaming path
            has any; the in-memory path is reproducible from `seed` either way).
        cache: Hold the decoded split in memory after the first read.
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).
        local_dir: Folder of MNIST-style IDX files to build `name` from (MNIST,
            Fashion-MNIST). Defaults to `/usr/share/datasets/fashion-mnist` for
            Fashion-MNIST where that exists, so `image_dataset("fashion_mnist")` works
            offline. Read only while `name` is not yet prepared in
            `data_dir`; afterwards TFDS's prepared files are used.

    Returns:
        A `tf.data.Dataset` of float32 tensors `[d_steps*batch_size, ...]`.

    Raises:
        ValueError: bad argument, unknown dataset (the message lists close names), not an
            image dataset, variable image shape, a split smaller than one batch, or bad
            local IDX files (missing, truncated, corrupt, wrong checksum).
        ConnectionError: the dataset must be downloaded and its host is unreachable (the
            message says what to install or where to put files).

    Example:
        >>> import keras_gan
        >>> ds = keras_gan.data.image_dataset("fashion_mnist", flatten=True)  # doctest: +SKIP
        >>> ds.element_spec  # doctest: +SKIP
        TensorSpec(shape=(100, 784), dtype=tf.float32, name=None)
        >>> gan.fit(ds, epochs=1)  # doctest: +SKIP
    """
    for arg, value in (("batch_size", batch_size), ("d_steps", d_steps)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{arg} must be a positive int, got {value!r}.")
    _check_image_range(image_range)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"seed must be an int or None, got {seed!r}.")
    tfds_split = resolve_split(split)
    builder = _prepared_builder(name, data_dir, local_dir)
    image_key = _image_key(builder)
    feature = builder.info.features[image_key]
    shape = tuple(feature.shape)
    global_batch = int(d_steps) * int(batch_size)
    try:
        num_examples = builder.info.splits[tfds_split].num_examples
    except (KeyError, ValueError, AssertionError):
        num_examples = None  # Unknown until read (mocked data has no split metadata).
    dtype = tf.as_dtype(feature.np_dtype)
    example_bytes = int(np.prod(shape)) * dtype.size
    scale = _scale_fn(dtype, shape, image_range, flatten)

    fits_in_memory = num_examples is None or num_examples * example_bytes <= _IN_MEMORY_MAX_BYTES
    if cache and fits_in_memory:
        (images,) = _read_split(builder, tfds_split, with_labels=False)
        _check_enough(name, split, len(images), global_batch)
        ds = _in_memory_batches(images, global_batch, shuffle, seed, scale)
    else:
        if num_examples is not None:
            _check_enough(name, split, num_examples, global_batch)
        read_config = tfds.ReadConfig(shuffle_seed=seed, try_autocache=False)
        # Ordered datasets (built from local files) refuse shuffled file reads; one file anyway.
        shuffle_files = shuffle and not builder.info.disable_shuffling
        ds = builder.as_dataset(split=tfds_split, shuffle_files=shuffle_files,
                                read_config=read_config)
        ds = ds.map(lambda ex: ex[image_key], num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=deterministic)
        if cache:
            ds = ds.cache()
        if shuffle:
            # Up to 256 MiB of examples in the buffer: a full shuffle for MNIST-sized data.
            buffer = max(1000, min(num_examples or 10_000, (256 << 20) // example_bytes))
            ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(global_batch, drop_remainder=True)
        ds = ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    options = tf.data.Options()
    options.deterministic = bool(deterministic)
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def _check_enough(name, split, num_examples, global_batch):
    if num_examples < global_batch:
        resolved = resolve_split(split)
        raise ValueError(
            f"Split {split!r}{f' ({resolved})' if resolved != split else ''} of {name!r} has "
            f"{num_examples} examples, fewer than one batch of d_steps*batch_size = "
            f"{global_batch}. Use a larger split (any TFDS split string) or a smaller batch."
        )
