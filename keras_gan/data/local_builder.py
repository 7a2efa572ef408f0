"""Builds TFDS's own MNIST / Fashion-MNIST datasets from IDX files already on disk.

TFDS's `manual_dir` route checks the gzip bytes against the upstream archives, and
re-packaged copies (Debian's `dataset-fashion-mnist`) have different gzip bytes but the
same decompressed content. So we verify the *content* ourselves (magic numbers, shapes,
counts, SHA-256 of the decompressed files) and then let TFDS write the dataset with a
builder that subclasses the official one and only replaces where the examples come from.
The result lands exactly where `tfds.load(name, data_dir=...)` looks for it (same name,
version, features and file format), so later loads, with or without keras_gan, read the
prepared TFDS files and never touch the IDX files again. Its dataset_info.json names this
module as the builder's, so where the data came from stays visible.

Files whose content is not the published dataset are refused under its name (the message says how to use them
anyway: a custom name, which `prepare` hands to `keras_gan.data.custom_builder`). Images are PNG-encoded by
TensorFlow's own encoder (`tfds_writer.png_examples`).
"""

import os

import tensorflow_datasets as tfds

from keras_gan.data import custom_builder, idx, tfds_writer
from keras_gan.progress import phase

__all__ = ["LOCAL_DATASETS", "DEFAULT_LOCAL_DIRS", "prepare"]

# Datasets that can be built from local IDX files, with their image shape and classes.
LOCAL_DATASETS = ("mnist", "fashion_mnist")

# Where a distribution package puts the files (`apt-get install dataset-fashion-mnist`).
DEFAULT_LOCAL_DIRS = {"fashion_mnist": "/usr/share/datasets/fashion-mnist"}


def default_local_dir(name):
    """The packaged IDX folder for `name` if it exists here, else None.

    Args:
        name: Str, a dataset name.

    Returns:
        Str or None.

    Example:
        >>> default_local_dir("mnist") is None
        True
    """
    path = DEFAULT_LOCAL_DIRS.get(name)
    return path if path and os.path.isdir(path) else None


def _local_builder_cls(dataset_name, arrays, source):
    """A builder for `dataset_name` whose examples come from in-memory arrays."""
    base = tfds.builder_cls(dataset_name)

    class LocalIdxBuilder(base, skip_registration=True):
        # Same name as the official builder, so the files land in <data_dir>/<name>/<version>.
        name = dataset_name

        def _info(self):
            info = super()._info()
            # Keep the files' order (TFDS otherwise reorders by a hash of the keys), so that
            # "train[0:50000]" / "train[50000:60000]" are exactly the paper's splits.
            info.as_proto.disable_shuffling = True
            return info

        def _split_generators(self, dl_manager):
            del dl_manager  # Nothing to download.
            return [
                tfds.core.SplitGenerator(name=split, gen_kwargs={"split": split})
                for split in arrays
            ]

        def _generate_examples(self, split):
            images, labels = arrays[split]
            yield from tfds_writer.png_examples(images[..., None], labels)

    LocalIdxBuilder.__doc__ = f"{dataset_name} built from the local IDX files in {source}."
    return LocalIdxBuilder


def prepare(name, local_dir=None, data_dir=None):
    """Prepares a TFDS dataset from local IDX files, once, offline.

    * `"mnist"` / `"fashion_mnist"`: the four IDX files must hold the published dataset (checked by the SHA-256
      of their decompressed content); TFDS's own builder then writes it under its own name, version and
      features, where `tfds.load(name, data_dir=data_dir)` finds it. Does nothing if it is already prepared.
    * any other name that is not a TFDS dataset (e.g. `"my_digits"`): IDX files of any content become the TFDS
      dataset `data_dir/<name>/` (see `keras_gan.data.custom_builder.prepare_custom`); later calls with a
      `local_dir` check the files are still the ones it was prepared from.

    Reads and verifies every file first (nothing is written if any is bad); a failure while TFDS writes leaves
    `data_dir` as it was. The examples keep the files' order (TFDS's `disable_shuffling`), so the paper's
    `train[0:50000]` / `train[50000:60000]` are exactly the files' first 50,000 and last 10,000 images. (A dataset
    TFDS downloads itself is stored in TFDS's own hashed order.) Logs one line per phase with its duration.

    Args:
        name: `"mnist"`, `"fashion_mnist"`, or a new lower_snake_case name for the user's own files.
        local_dir: Folder with `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
            `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte` (each `.gz` or not; the
            dotted `train-images.idx3-ubyte` naming works too). Defaults to the packaged
            folder where there is one (`/usr/share/datasets/fashion-mnist`).
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).

    Returns:
        A prepared `tfds.core.DatasetBuilder` for `name`, reading `data_dir`.

    Raises:
        ValueError: `name` is another TFDS dataset, no `local_dir` was given and none is installed, or a file is
            missing, truncated, corrupt, or (for mnist / fashion_mnist) not the published content: the message
            says to use a custom name for such files.

    Example:
        >>> builder = prepare("fashion_mnist")  # doctest: +SKIP
        >>> builder.info.splits["train"].num_examples  # doctest: +SKIP
        60000
    """
    if not custom_builder.is_registered(name):
        return custom_builder.prepare_custom(name, local_dir, data_dir)
    builder = tfds.builder(name, data_dir=data_dir)
    if builder.name not in LOCAL_DATASETS:
        raise ValueError(
            f"Only {list(LOCAL_DATASETS)} can be built from local IDX files, got the TFDS dataset {name!r}. "
            "For IDX files of your own, choose a new name (e.g. 'my_digits') and pass local_dir=<folder>."
        )
    if builder.is_prepared():
        return builder
    local_dir = local_dir or default_local_dir(builder.name)
    if local_dir is None:
        raise ValueError(
            f"No local IDX files for {name!r}: pass local_dir=<folder with the four IDX files>"
            + (" or `apt-get install dataset-fashion-mnist`" if builder.name == "fashion_mnist" else "") + "."
        )
    shape = builder.info.features["image"].shape
    num_classes = builder.info.features["label"].num_classes
    with phase(f"Reading and verifying the {name} IDX files in {local_dir}"):
        arrays = {split: idx.read_split(local_dir, split, name=builder.name, image_shape=shape[:2],
                                        num_classes=num_classes)
                  for split in ("train", "test")}
    local = _local_builder_cls(builder.name, arrays, local_dir)(data_dir=data_dir)
    root = tfds_writer.data_dir_root(local)
    try:
        with phase(f"Writing the TFDS dataset {name} into {root}"), tfds_writer.rollback(root, builder.name):
            local.download_and_prepare(download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    except Exception:
        # Another process may have prepared the same dataset at the same time.
        if tfds.builder(name, data_dir=data_dir).is_prepared():
            return tfds.builder(name, data_dir=data_dir)
        raise
    return tfds.builder(name, data_dir=data_dir)
