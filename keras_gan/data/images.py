"""Image datasets for GANs, from TFDS or the user's own files: load a split, or batch it for `GAN.fit`.

One name says where the images come from (`load_arrays` and `image_dataset` take the same `name`):

* a TFDS image dataset (`"fashion_mnist"`, `"cifar10"`, ...): prepared in `data_dir`, built from local IDX files
  (MNIST, Fashion-MNIST) or downloaded (see `keras_gan.data.tfds_source`);
* a custom name (`"my_digits"`) with `local_dir`: the user's MNIST-format IDX files, prepared once as a TFDS
  dataset (see `keras_gan.data.custom_builder`); later just the name;
* a folder path (with a "/": `"./faces"`, `"/data/faces/"`): image files, with class subfolders or flat, with or
  without `train/` and `test/` (see `keras_gan.data.folder_source`);
* a `.npy` / `.npz` path: arrays (see `keras_gan.data.array_source`).

Every source serves `"train"`, `"validation"` and `"test"` by one rule (`keras_gan.data.splits`): validation is the
last sixth of train, and a source without a test split gives its last sixth to test; for MNIST that is exactly the
paper's `train[0:50000]` / `train[50000:60000]` / `test`. TFDS datasets also take any TFDS split string.

Batches come from the one input pipeline, `keras_gan.data.pipeline.epoch_batches`.
"""

import functools
import os

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gan.checks import check_positive_int
from keras_gan.data import array_source, custom_builder, folder_source, pipeline, splits, tfds_source
from keras_gan.data.splits import PAPER_SPLITS, resolve_split
from keras_gan.pictures import IMAGE_RANGES

__all__ = [
    "PAPER_SPLITS",
    "IMAGE_RANGES",
    "image_dataset",
    "load_arrays",
    "image_shape",
    "check_image_shape",
    "resolve_split",
]

# Splits at most this large (decoded, in bytes) are held in memory and batched by `epoch_batches`; larger TFDS
# splits stream from TFDS's files (`tfds_source.stream_batches`).
_IN_MEMORY_MAX_BYTES = 1 << 30


def _path_of(name):
    """`name` as a path when it names a folder or an array file, else None (a dataset name)."""
    if isinstance(name, os.PathLike):
        name = os.fspath(name)
    elif not isinstance(name, str):
        return None
    path = os.path.expanduser(name)
    if path.endswith(array_source.ARRAY_SUFFIXES):
        return path
    # A bare word is a dataset name even if a folder of that name happens to be in the working directory.
    if (os.sep in name or name.startswith((".", "~"))) and os.path.isdir(path):
        return path
    return None


def _file_signature(path):
    """(name, size, mtime) of every file under `path`: changes whenever the data on disk does."""
    if os.path.isfile(path):
        stat = os.stat(path)
        return ((path, stat.st_size, stat.st_mtime_ns),)
    found = []
    for folder, _, names in os.walk(path):
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            found.append((os.path.join(folder, name), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


@functools.lru_cache(maxsize=1)
def _read_path(path, signature):
    # One decode per file set: an evaluation asks for train, validation and test of the same folder or array.
    del signature  # part of the cache key only
    if path.endswith(array_source.ARRAY_SUFFIXES):
        return array_source.read_array_file(path)
    return folder_source.read_image_folder(path)


def _path_sources(path):
    return _read_path(path, _file_signature(path))


def _read(name, split, data_dir, local_dir, with_labels=None):
    """(images uint8/uint16/float32 [N, H, W, C], labels int64 or None) of one split of any source."""
    path = _path_of(name)
    if path is not None:
        images, labels = splits.take(_path_sources(path), split, repr(path))
        if with_labels and labels is None:
            raise ValueError(f"{path!r} has no labels; read its images only (with_labels=False), or add labels "
                             "(class subfolders, or 'y' in an .npz file).")
        return images, labels if with_labels is not False else None
    builder = tfds_source.prepared_builder(name, data_dir, local_dir)
    return tfds_source.read_split(builder, tfds_source.tfds_split(builder, split), with_labels)


def _unit_scale(dtype):
    # Integer pixels span 0..max of their dtype (uint8: 255, TFDS's 16-bit images: 65535); floats are in [0, 1].
    dtype = np.dtype(dtype)
    return 1.0 / np.iinfo(dtype).max if np.issubdtype(dtype, np.integer) else 1.0


def image_shape(name, *, data_dir=None, local_dir=None):
    """The shape of one image of a dataset; a TFDS dataset's without downloading or preparing it.

    Args:
        name: Any name `load_arrays` takes.
        data_dir: TFDS data_dir; defaults to TFDS's.
        local_dir: Optional folder of IDX files (a custom dataset not yet prepared is prepared).

    Returns:
        `(height, width, channels)`.

    Raises:
        ValueError: unknown dataset, not an image dataset, images of variable shape, or bad files.

    Example:
        >>> image_shape("fashion_mnist")
        (28, 28, 1)
    """
    path = _path_of(name)
    if path is not None:
        return tuple(int(d) for d in _path_sources(path)["train"][0].shape[1:])
    if isinstance(name, str) and name and custom_builder.is_registered(name):
        return tfds_source.fixed_image_shape(tfds.builder(name, data_dir=data_dir))
    return tfds_source.fixed_image_shape(tfds_source.prepared_builder(name, data_dir, local_dir))


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


def _check_image_range(image_range):
    if image_range not in IMAGE_RANGES:
        raise ValueError(
            f"image_range must be one of {sorted(IMAGE_RANGES)} (the generator's output "
            f"activation), got {image_range!r}."
        )


def load_arrays(name, split="train", *, data_dir=None, local_dir=None):
    """Loads one split of any image source into memory as float images in [0, 1].

    The one function the rest of the package (training, evaluation, classifiers) reads images with.

    Args:
        name: Where the images come from (see the module docstring): a TFDS image dataset name (`"mnist"`,
            `"fashion_mnist"`, `"cifar10"`, ...), a custom IDX dataset name (`"my_digits"`, with `local_dir` the
            first time), a folder path (`"./faces"`) or a `.npy` / `.npz` path.
        split: `"train"`, `"validation"` or `"test"` (the rule in `keras_gan.data.splits`; MNIST: the paper's
            `train[0:50000]`, `train[50000:60000]`, `test`), or for TFDS datasets any TFDS split string.
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).
        local_dir: Folder of MNIST-style IDX files: the published MNIST / Fashion-MNIST (checked against their
            known checksums; Fashion-MNIST defaults to `/usr/share/datasets/fashion-mnist` where that exists), or
            any IDX files under a custom name (their hashes are recorded, and checked on later calls with
            `local_dir`). Read only while the dataset is not yet prepared in `data_dir`.

    Returns:
        `(images, labels)`: float32 `[N, H, W, C]` in [0, 1] and int64 `[N]`, or `labels=None` when the source
        has no labels.

    Raises:
        ValueError: unknown dataset or split, not an image dataset, or any problem with the files (the message
            names it and the fix).
        ConnectionError: the dataset must be downloaded and its host is unreachable.

    Example:
        >>> x, y = load_arrays("fashion_mnist", "test")  # doctest: +SKIP
        >>> x.shape, y.shape  # doctest: +SKIP
        ((10000, 28, 28, 1), (10000,))
    """
    images, labels = _read(name, split, data_dir, local_dir)
    return images.astype(np.float32) * np.float32(_unit_scale(images.dtype)), labels


def _scaler(dtype, shape, image_range, flatten, with_labels):
    """Per-batch preprocessing: pixels to the generator's range, flattened for MLPs."""
    low, high = IMAGE_RANGES[image_range]
    scale = (high - low) * _unit_scale(dtype)
    size = int(np.prod(shape))

    def images_fn(batch):
        x = tf.cast(batch, tf.float32) * scale + low
        # Keep the static batch size (drop_remainder) in the element spec.
        return tf.reshape(x, [x.shape[0] or -1, size]) if flatten else x

    return (lambda batch: (images_fn(batch[0]), batch[1])) if with_labels else images_fn


def image_dataset(name, split="train", *, batch_size=100, d_steps=1, image_range="sigmoid",
                  flatten=False, shuffle=True, seed=0, deterministic=False, cache=True,
                  data_dir=None, local_dir=None, with_labels=False):
    """A `tf.data.Dataset` of image batches from any image source, ready for `GAN.fit`.

    Each element is one float32 batch of `d_steps * batch_size` images, `drop_remainder`, so `GAN.train_step` can
    split it into k minibatches of m for its k discriminator updates. Pixels are scaled to the generator's output
    range. The dataset is finite: one epoch per iteration, a new order each epoch when `shuffle` (epoch e's order
    depends only on `(seed, e)`; see `keras_gan.data.pipeline.epoch_batches`), prefetched.

    The split is held in memory as its own dtype (uint8 images: a quarter of float32) and batched by
    `epoch_batches`: one permutation per epoch, one gather per batch. Only a TFDS split over 1 GiB decoded, or
    `cache=False`, streams from TFDS's files instead (a shuffle buffer; `tfds_source.stream_batches`).

    Args:
        name: Where the images come from: a TFDS image dataset name, a custom IDX dataset name, a folder path or
            a `.npy` / `.npz` path (see `load_arrays`).
        split: `"train"`, `"validation"` or `"test"` (for MNIST the paper's train[0:50000], train[50000:60000],
            test; see `keras_gan.data.splits`), or for TFDS datasets any TFDS split string (`"train[:100%]"` is the
            whole TFDS train split).
        batch_size: Positive int m, examples per discriminator minibatch (paper: 100).
        d_steps: Positive int k, discriminator updates per generator update; each
            element holds k*m images.
        image_range: `"sigmoid"` scales pixels to [0, 1] (the paper's generator),
            `"tanh"` to [-1, 1] (DCGAN).
        flatten: True gives `[k*m, H*W*C]` (the paper's MLPs), False `[k*m, H, W, C]`
            (conv nets). `check_image_shape` tells which a network needs.
        shuffle: Reshuffle the examples every epoch.
        seed: Int seed of the shuffle, or None for a different order on every call.
        deterministic: tf.data's `deterministic` option: False lets the streaming path reorder parallel work for
            speed; the in-memory path is reproducible from `seed` either way.
        cache: Hold the decoded split in memory (up to 1 GiB); False streams a TFDS split from its files.
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).
        local_dir: Folder of MNIST-style IDX files (see `load_arrays`); Fashion-MNIST defaults to
            `/usr/share/datasets/fashion-mnist` where that exists, so `image_dataset("fashion_mnist")` works
            offline.
        with_labels: True gives `(images, labels)` batches (labels int64 `[k*m]`).

    Returns:
        A `tf.data.Dataset` of float32 tensors `[d_steps*batch_size, ...]` (with `with_labels`, pairs).

    Raises:
        ValueError: bad argument, unknown dataset (the message lists close names), not an
            image dataset, variable image shape, a split smaller than one batch, no labels with `with_labels`,
            or bad files (the message names the problem and the fix).
        ConnectionError: the dataset must be downloaded and its host is unreachable (the
            message says what to install or where to put files).

    Example:
        >>> import keras_gan
        >>> ds = keras_gan.data.image_dataset("fashion_mnist", flatten=True)  # doctest: +SKIP
        >>> ds.element_spec  # doctest: +SKIP
        TensorSpec(shape=(100, 784), dtype=tf.float32, name=None)
        >>> gan.fit(ds, epochs=1)  # doctest: +SKIP
    """
    global_batch = check_positive_int("batch_size", batch_size) * check_positive_int("d_steps", d_steps)
    _check_image_range(image_range)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (1 << 63))
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int or None, got {seed!r}.")
    splits.resolve_split(split)  # A bad split fails before anything is read.
    with_labels = bool(with_labels)
    options = tf.data.Options()
    options.deterministic = bool(deterministic)

    images = None
    if _path_of(name) is None:
        builder = tfds_source.prepared_builder(name, data_dir, local_dir)
        tfds_split = tfds_source.tfds_split(builder, split)
        shape = tfds_source.fixed_image_shape(builder)
        dtype = tfds_source.image_dtype(builder)
        try:
            num_examples = builder.info.splits[tfds_split].num_examples
        except (KeyError, ValueError, AssertionError):
            num_examples = None  # Unknown until read.
        if not cache or (num_examples or 0) * int(np.prod(shape)) * dtype.itemsize > _IN_MEMORY_MAX_BYTES:
            if num_examples is not None:
                _check_enough(name, split, num_examples, batch_size, d_steps)
            ds = tfds_source.stream_batches(
                builder, tfds_split, global_batch=global_batch, shuffle=shuffle, seed=int(seed),
                deterministic=deterministic, preprocess=_scaler(dtype, shape, image_range, flatten, with_labels),
                with_labels=with_labels)
            return ds.with_options(options).prefetch(tf.data.AUTOTUNE)
        images, labels = tfds_source.read_split(builder, tfds_split, with_labels)
    else:
        images, labels = _read(name, split, data_dir, local_dir, with_labels)
    _check_enough(name, split, len(images), batch_size, d_steps)
    preprocess = _scaler(images.dtype, images.shape[1:], image_range, flatten, with_labels)
    ds = pipeline.epoch_batches((images, labels) if with_labels else images, batch_size=batch_size,
                                d_steps=d_steps, seed=int(seed), shuffle=shuffle, preprocess=preprocess)
    return ds.with_options(options)


def _check_enough(name, split, num_examples, batch_size, d_steps):
    try:
        pipeline.steps_per_epoch(num_examples, batch_size, d_steps)
    except ValueError as e:
        raise ValueError(f"Split {split!r} of {name!r}: {e}") from None
