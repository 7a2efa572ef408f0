"""Every bad data input is a ValueError that names the problem and the fix, and nothing already written is lost.

One row per bad input: `make(tmp_path)` writes it and returns the `load_arrays` / `image_dataset` arguments; the
message must match. The data_dir (holding another dataset) must be exactly as it was afterwards. Damaged IDX files
(truncated, corrupt gzip, wrong magic, counts, label range, checksum) are the table in test_data.py.
"""

import os

import numpy as np
import pytest

import keras_gan
from conftest import snapshot
from test_data_helpers import write_fake_mnist, write_idx, write_image_folder, write_png
from keras_gan.data import idx


def _npy(tmp_path, array, name="x.npy"):
    np.save(tmp_path / name, array)
    return str(tmp_path / name)


def _npz(tmp_path, **arrays):
    np.savez(tmp_path / "x.npz", **arrays)
    return str(tmp_path / "x.npz")


def _changed_custom(tmp_path):
    local_dir = write_fake_mnist(tmp_path / "idx", size=12)
    keras_gan.data.load_arrays("my_digits", data_dir=str(tmp_path / "tfds"), local_dir=local_dir)
    x = np.zeros((250, 12, 12), np.uint8)  # The same shape and count, other pixels.
    write_idx(os.path.join(local_dir, "train-images-idx3-ubyte.gz"), x, idx.IMAGES_MAGIC)
    return "my_digits", {"local_dir": local_dir}


def _mixed_sizes(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=6, size=8)
    write_png(str(tmp_path / "pics" / "dog" / "0099.png"), np.zeros((9, 8, 1), np.uint8))
    return root + "/", {}


def _non_image(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=6)
    with open(tmp_path / "pics" / "cat" / "notes.txt", "w") as f:
        f.write("not a picture")
    return root + "/", {}


def _corrupt_png(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=6)
    with open(tmp_path / "pics" / "cat" / "0002.png", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n garbage")
    return root + "/", {}


def _files_beside_classes(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=6)
    write_png(str(tmp_path / "pics" / "stray.png"), np.zeros((8, 8, 1), np.uint8))
    return root + "/", {}


def _empty_folder(tmp_path):
    os.makedirs(tmp_path / "pics")
    return str(tmp_path / "pics") + "/", {}


def _garbage_npy(tmp_path):
    with open(tmp_path / "x.npy", "wb") as f:
        f.write(b"definitely not numpy")
    return str(tmp_path / "x.npy"), {}


def _custom_labels_one_split(tmp_path):
    local_dir = write_fake_mnist(tmp_path / "idx")
    os.remove(os.path.join(local_dir, "t10k-labels.idx1-ubyte"))
    return "my_digits", {"local_dir": local_dir}


_IMAGES = np.zeros((60, 4, 4), np.uint8)

ROWS = {
    "custom files changed after prepare": (_changed_custom, r"SHA-256.*now has.*another name.*or delete"),
    "custom IDX labels for one split only": (_custom_labels_one_split, "labels for one split but not the other"),
    "empty image folder": (_empty_folder, r"No images in .*root/<class>/\*\.png"),
    "mixed-size image folder": (_mixed_sizes, r"differ in shape: .*0000\.png.* but .*0099\.png.*resize"),
    "non-image file in folder": (_non_image, r"notes\.txt' is not an image file.*Remove it"),
    "corrupt image file": (_corrupt_png, r"0002\.png' cannot be decoded.*Replace or remove"),
    "files beside class folders": (_files_beside_classes, r"both class subfolders.*stray\.png.*Move"),
    ".npy with NaN": (lambda t: (_npy(t, np.full((60, 4, 4), np.nan)), {}),
                      r"NaN/inf values \(the first in image 0\).*np\.nan_to_num"),
    ".npy floats outside [0, 1]": (lambda t: (_npy(t, np.full((60, 4, 4), 200.0)), {}),
                                   r"float pixels in \[200, 200\].*divide by 255"),
    ".npy floats in [-1, 1]": (lambda t: (_npy(t, np.full((60, 4, 4), -0.5)), {}), r"\(x \+ 1\) / 2"),
    ".npy wrong rank (flattened)": (lambda t: (_npy(t, np.zeros((60, 784), np.uint8)), {}),
                                    r"shape \(60, 784\).*x\.reshape\(-1, 28, 28\)"),
    ".npy integers over 255": (lambda t: (_npy(t, np.full((60, 4, 4), 300)), {}), r"in \[300, 300\].*\[0, 255\]"),
    ".npy of pickled objects": (lambda t: (_npy(t, np.array([{"a": 1}] * 60, dtype=object)), {}),
                                "Cannot read .*no pickled objects"),
    "not a .npy file": (_garbage_npy, "Cannot read .* as a NumPy .npy file"),
    "missing .npy file": (lambda t: (str(t / "nope.npy"), {}), "No file .*nope.npy"),
    ".npz without an images key": (lambda t: (_npz(t, pixels=_IMAGES), {}),
                                   r"keys \['pixels'\].*'x' or 'images'.*np\.savez"),
    ".npz label count mismatch": (lambda t: (_npz(t, x=_IMAGES, y=np.zeros(59, int)), {}),
                                  r"59 labels for 60 images.*one label per image"),
    ".npz negative labels": (lambda t: (_npz(t, x=_IMAGES, y=-np.ones(60, int)), {}), "label -1.*>= 0"),
    ".npz one-hot labels": (lambda t: (_npz(t, x=_IMAGES, y=np.eye(60)), {}), "argmax"),
    "TFDS split string for a file": (lambda t: (_npy(t, _IMAGES), {"split": "train[:10%]"}),
                                     r"splits \['train', 'validation', 'test'\].*TFDS split strings"),
    "labels asked of unlabelled data": (lambda t: (_npy(t, _IMAGES), {"with_labels": True}),
                                        "has no labels.*with_labels=False"),
    "split smaller than one batch": (lambda t: (_npy(t, _IMAGES), {"split": "test", "batch_size": 20}),
                                     r"Split 'test' of .*: 10 examples are fewer than one batch.*smaller"),
    "zero batch size": (lambda t: (_npy(t, _IMAGES), {"batch_size": 0}), "batch_size must be a positive int"),
    "negative batch size": (lambda t: (_npy(t, _IMAGES), {"batch_size": -3}), "batch_size must be a positive int"),
    "unknown dataset name": (lambda t: ("fashon_mnist", {}),
                             r"Unknown dataset 'fashon_mnist'.*fashion_mnist.*local_dir"),
    "not a dataset name nor a path": (lambda t: ("My Pictures", {}), r"lower_snake_case.*check the path"),
}


@pytest.mark.parametrize("row", sorted(ROWS))
def test_bad_input(tmp_path, row):
    make, message = ROWS[row]
    name, kwargs = make(tmp_path)
    data_dir = tmp_path / "tfds"
    (data_dir / "other_dataset").mkdir(parents=True, exist_ok=True)  # Something already there must stay.
    before = snapshot(data_dir)
    dataset_kwargs = {k: kwargs.pop(k) for k in ("batch_size", "with_labels") if k in kwargs}
    with pytest.raises(ValueError, match=message):
        if dataset_kwargs:
            keras_gan.data.image_dataset(name, data_dir=str(data_dir), **dataset_kwargs, **kwargs)
        else:
            keras_gan.data.load_arrays(name, data_dir=str(data_dir), **kwargs)
    assert snapshot(data_dir) == before
