"""A user's own MNIST-format IDX files as a real TFDS dataset, under a name of their choosing.

`prepare_custom("my_digits", local_dir)` reads IDX files of any content (uint8 images of any rows x cols, labels
optional; see `keras_gan.data.idx.read_custom`) and writes them with TFDS's `store_as_tfds_dataset` into
`<data_dir>/my_digits/1.0.0/`, a plain TFDS dataset: `tfds.load("my_digits", data_dir=data_dir)` reads it without
keras_gan, and so does every later `load_arrays("my_digits", data_dir=data_dir)`, without the IDX files.

The SHA-256 of each decompressed file is recorded on the first prepare in `<data_dir>/my_digits/keras_gan_sources.json`.
A later call with a `local_dir` checks the files against it, so a dataset name always means the same images: files
that changed give an error naming both hashes, instead of silently training on stale data.
"""

import difflib
import json
import os
import re

import tensorflow_datasets as tfds

from keras_gan import files
from keras_gan.data import idx, tfds_writer
from keras_gan.progress import phase

__all__ = ["SOURCES_FILE", "VERSION", "is_registered", "prepare_custom"]

# The record of the source files' hashes, beside the prepared versions in <data_dir>/<name>/.
SOURCES_FILE = "keras_gan_sources.json"

# The TFDS version a custom dataset is written as.
VERSION = "1.0.0"

# TFDS dataset names are lower_snake_case.
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def is_registered(name):
    """Whether `name` (optionally with `/config` and `:version`) names a TFDS builder of the installed TFDS.

    Args:
        name: Str.

    Returns:
        Bool.

    Example:
        >>> is_registered("fashion_mnist"), is_registered("my_digits")
        (True, False)
    """
    try:
        tfds.builder_cls(name.split(":")[0].split("/")[0])
        return True
    except (tfds.core.registered.DatasetNotFoundError, ValueError):  # ValueError: not a valid TFDS name at all.
        return False


def _root(data_dir):
    return os.path.expanduser(os.fspath(data_dir or tfds.core.constants.DATA_DIR))


def _prepared(name, root):
    version_dir = os.path.join(root, name, VERSION)
    if os.path.isfile(os.path.join(version_dir, "dataset_info.json")):
        return tfds.builder_from_directory(version_dir)
    return None


def _unknown(name, root):
    close = difflib.get_close_matches(name, tfds.list_builders(with_community_datasets=False), n=5)
    return ValueError(
        f"Unknown dataset {name!r}: not a TFDS dataset, and no custom dataset of that name is prepared in {root!r}. "
        f"Closest TFDS names: {close or 'none'} (`tfds.list_builders()` lists all, e.g. mnist, fashion_mnist, "
        "cifar10). For your own data: pass local_dir=<folder of MNIST-format IDX files> to prepare them under this "
        "name (`--dataset=my_digits --local_dir=DIR`), or pass the path of a folder of images or of a .npy/.npz "
        "file as the dataset."
    )


def _read_record(root, name):
    path = os.path.join(root, name, SOURCES_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _check_same_files(name, record, digests, local_dir, root):
    old = record.get("sha256", {})
    for file_name in sorted(set(old) | set(digests)):
        if old.get(file_name) != digests.get(file_name):
            raise ValueError(
                f"The custom dataset {name!r} in {root!r} was prepared from files whose {file_name} had SHA-256 "
                f"{old.get(file_name, '(no such file)')}; {local_dir!r} now has "
                f"{digests.get(file_name, '(no such file)')}. To use the new files, give them another name "
                f"(e.g. --dataset={name}_v2), or delete {os.path.join(root, name)!r} to prepare {name!r} again "
                "from them."
            )


def _features(arrays):
    images, _ = arrays["train"]
    features = {"image": tfds.features.Image(shape=images.shape[1:] + (1,))}
    if arrays["train"][1] is not None:
        num_classes = 1 + max(int(labels.max()) for _, labels in arrays.values())
        features["label"] = tfds.features.ClassLabel(num_classes=num_classes)
    return tfds.features.FeaturesDict(features)


def prepare_custom(name, local_dir=None, data_dir=None):
    """Prepares (once) or opens the custom IDX dataset `name`; checks `local_dir` against the recorded hashes.

    Args:
        name: Lower_snake_case str that is not a TFDS dataset name, e.g. `"my_digits"`.
        local_dir: Optional folder of MNIST-format IDX files (see `keras_gan.data.idx.read_custom`). Needed for
            the first prepare; later, when given, its files must be the ones `name` was prepared from.
        data_dir: TFDS data_dir; defaults to TFDS's (`~/tensorflow_datasets`).

    Returns:
        The prepared `tfds.core.DatasetBuilder` reading `<data_dir>/<name>/1.0.0`.

    Raises:
        ValueError: a bad name; no `local_dir` and nothing prepared (the message lists close TFDS names and the
            other sources); a damaged file; or files that differ from those `name` was prepared from (the message
            names both hashes and what to do). Nothing in `data_dir` changes on failure.

    Example:
        >>> builder = prepare_custom("my_digits", "digits_idx/", "/tmp/tfds")  # doctest: +SKIP
        >>> sorted(builder.info.splits)  # doctest: +SKIP
        ['test', 'train']
    """
    root = _root(data_dir)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"Unknown dataset {name!r}: not a TFDS dataset, an existing folder or a .npy/.npz file. A name for your "
            "own IDX files must be lower_snake_case (letters, digits, _), e.g. 'my_digits'; check the path if you "
            "meant a folder or an array file."
        )
    existing = _prepared(name, root)
    if local_dir is None:
        if existing is None:
            raise _unknown(name, root)
        return existing
    with phase(f"Reading and verifying the IDX files of {name} in {local_dir}"):
        arrays, digests = idx.read_custom(local_dir)
    record = {"name": name, "local_dir": os.path.abspath(local_dir), "sha256": digests}
    if existing is not None:
        previous = _read_record(root, name)
        if previous is None:
            # Prepared by other means: from now on these files are the ones it stands for.
            files.atomic_write(os.path.join(root, name, SOURCES_FILE), json.dumps(record, indent=2))
        else:
            _check_same_files(name, previous, digests, local_dir, root)
        return existing
    split_datasets = {split: tfds_writer.png_examples(images[..., None], labels)
                      for split, (images, labels) in arrays.items()}
    try:
        with phase(f"Writing the TFDS dataset {name} into {root}"), tfds_writer.rollback(root, name):
            # Inside the rollback: a failed write takes the record with it.
            files.atomic_write(os.path.join(root, name, SOURCES_FILE), json.dumps(record, indent=2))
            tfds.dataset_builders.store_as_tfds_dataset(
                name=name, version=VERSION, features=_features(arrays), split_datasets=split_datasets,
                data_dir=root, description=f"{name}: MNIST-format IDX files from {record['local_dir']}.",
                disable_shuffling=True,  # Keep the files' order: the split rule counts from the end.
                download_config=tfds.download.DownloadConfig(try_download_gcs=False),
            )
    except Exception:
        # Another process may have prepared the same dataset at the same time.
        if _prepared(name, root) is None:
            raise
    return _prepared(name, root)
