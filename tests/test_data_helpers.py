"""Helpers for the keras_gan.data tests (no tests here): tiny IDX files, image folders and arrays written to tmp.

Fake images carry their own index: image i has every pixel equal to i % 256, label i % 10, so a batch says which
examples it holds and in which order.
"""

import contextlib
import gzip
import hashlib
import os
import struct

import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import idx

N_TRAIN, N_TEST = 250, 50


def write_idx(path, array, magic, *, gz=None):
    """Writes a uint8 array as an IDX file (gzipped when the name ends in .gz)."""
    data = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    data += np.ascontiguousarray(array, np.uint8).tobytes()
    opener = gzip.open if (gz if gz is not None else path.endswith(".gz")) else open
    with opener(path, "wb") as f:
        f.write(data)
    return path


def fake_split(n, offset=0, size=28):
    """(images uint8 [n, size, size] with image i all (i + offset) % 256, labels i % 10)."""
    images = np.broadcast_to(((np.arange(n) + offset) % 256).astype(np.uint8)[:, None, None],
                             (n, size, size)).copy()
    return images, (np.arange(n) % 10).astype(np.uint8)


def write_fake_mnist(folder, n_train=N_TRAIN, n_test=N_TEST, size=28, labels=True, test=True):
    """IDX files: train gzipped with the usual names, test uncompressed with the dotted names."""
    os.makedirs(folder, exist_ok=True)
    x, y = fake_split(n_train, size=size)
    write_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"), x, idx.IMAGES_MAGIC)
    if labels:
        write_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"), y, idx.LABELS_MAGIC)
    if test:
        x, y = fake_split(n_test, offset=100, size=size)
        write_idx(os.path.join(folder, "t10k-images.idx3-ubyte"), x, idx.IMAGES_MAGIC)
        if labels:
            write_idx(os.path.join(folder, "t10k-labels.idx1-ubyte"), y, idx.LABELS_MAGIC)
    return str(folder)


@contextlib.contextmanager
def published_as(name, local_dir):
    """Declares the fake files in `local_dir` the published `name` (its known checksums), for this block."""
    digests = {}
    for file_name in os.listdir(local_dir):
        path = os.path.join(local_dir, file_name)
        stem = file_name[:-3] if file_name.endswith(".gz") else file_name
        try:
            with (gzip.open if file_name.endswith(".gz") else open)(path, "rb") as f:
                digests[stem.replace(".idx", "-idx")] = hashlib.sha256(f.read()).hexdigest()
        except (EOFError, OSError):
            pass  # A damaged file: the package's own checks must find it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(idx.KNOWN_SHA256, name, digests)
        yield


def write_png(path, array):
    """Writes a uint8 [H, W, C] array as a PNG file (TensorFlow's encoder)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(tf.io.encode_png(np.asarray(array, np.uint8)).numpy())
    return path


def write_image_folder(root, n=30, size=8, channels=1, classes=("cat", "dog"), layout="classes"):
    """A folder of PNGs; image i is all i. layout: "classes" (root/<class>/), "flat", or "splits" (train/test)."""
    def write(folder, ids):
        for i in ids:
            sub = os.path.join(folder, classes[i % len(classes)]) if layout != "flat" else folder
            write_png(os.path.join(sub, f"{i:04d}.png"), np.full((size, size, channels), i, np.uint8))

    if layout == "splits":
        write(os.path.join(root, "train"), range(n))
        write(os.path.join(root, "test"), range(n, n + n // 5))
    else:
        write(root, range(n))
    return str(root)


def tree(path):
    """Every path under `path` (relative), or None if it does not exist."""
    if not os.path.exists(path):
        return None
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, dirs, files in os.walk(path) for f in dirs + files)


def batches(ds):
    """The dataset's elements as numpy arrays (one iteration)."""
    return [b.numpy() for b in ds]


def pixel_ids(batch):
    """Image index of each example (every pixel holds it), from scaled [0, 1] pixels."""
    return np.rint(batch.reshape(len(batch), -1)[:, 0] * 255).astype(int)
