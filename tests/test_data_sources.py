"""Users' own images through keras_gan.data.load_arrays / image_dataset: custom IDX datasets, folders, arrays.

All files are tiny and written by the tests (see test_data_helpers); the one split rule (validation = the last sixth
of train; without a test split the last sixth is test) is checked for each source.
"""

import json
import logging
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

import keras_gan
from keras_gan.data import custom_builder, idx, pipeline
from conftest import snapshot
from test_data_helpers import (N_TEST, N_TRAIN, published_as, write_fake_mnist, write_idx,
                               write_image_folder)

SIXTH = N_TRAIN // 6


def ids_of(images):
    """Image index of each example, from [0, 1] pixels (every pixel holds it)."""
    return np.rint(images.reshape(len(images), -1)[:, 0] * 255).astype(int)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """A custom IDX dataset "my_digits" of 16 x 16 images, prepared once: (data_dir, local_dir)."""
    root = tmp_path_factory.mktemp("digits")
    local_dir = write_fake_mnist(root / "idx", size=16)
    data_dir = str(root / "tfds")
    keras_gan.data.load_arrays("my_digits", data_dir=data_dir, local_dir=local_dir)
    return data_dir, local_dir


# ---------------------------------------------------------------- custom IDX datasets


def test_custom_idx_dataset_any_size_with_the_split_rule(digits):
    data_dir, local_dir = digits
    x, y = keras_gan.data.load_arrays("my_digits", "train", data_dir=data_dir, local_dir=local_dir)
    assert x.shape == (N_TRAIN - SIXTH, 16, 16, 1) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(ids_of(x), np.arange(N_TRAIN - SIXTH))  # The files' order.
    np.testing.assert_array_equal(y, np.arange(N_TRAIN - SIXTH) % 10)
    x, _ = keras_gan.data.load_arrays("my_digits", "validation", data_dir=data_dir)  # No local_dir needed now.
    np.testing.assert_array_equal(ids_of(x), np.arange(N_TRAIN - SIXTH, N_TRAIN))
    x, _ = keras_gan.data.load_arrays("my_digits", "test", data_dir=data_dir)
    np.testing.assert_array_equal(ids_of(x), np.arange(N_TEST) + 100)


def test_custom_dataset_is_plain_tfds_with_its_hashes_recorded(digits):
    data_dir, local_dir = digits
    ds = tfds.load("my_digits", split="test", data_dir=data_dir, download=False, batch_size=-1)
    np.testing.assert_array_equal(ds["image"].numpy()[:, 0, 0, 0], np.arange(N_TEST) + 100)
    with open(os.path.join(data_dir, "my_digits", custom_builder.SOURCES_FILE)) as f:
        record = json.load(f)
    assert sorted(record["sha256"]) == ["t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte",
                                        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    # Prepared again from the same files: checked, nothing written.
    before = snapshot(data_dir)
    keras_gan.data.prepare("my_digits", local_dir, data_dir)
    assert snapshot(data_dir) == before


def test_custom_idx_dataset_keeps_random_pixels_exactly(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (12, 5, 7), dtype=np.uint8)
    os.makedirs(tmp_path / "idx")
    write_idx(str(tmp_path / "idx" / "train-images-idx3-ubyte"), x, idx.IMAGES_MAGIC)
    images, labels = keras_gan.data.load_arrays("noise", "train[:100%]", data_dir=str(tmp_path / "tfds"),
                                                local_dir=str(tmp_path / "idx"))
    np.testing.assert_array_equal(np.rint(images[..., 0] * 255).astype(np.uint8), x)
    assert labels is None


def test_custom_idx_without_labels_or_test_split(tmp_path):
    local_dir = write_fake_mnist(tmp_path / "idx", n_train=60, labels=False, test=False)
    data_dir = str(tmp_path / "tfds")
    split_ids = {}
    for split in ("train", "validation", "test"):
        x, y = keras_gan.data.load_arrays("plain_digits", split, data_dir=data_dir, local_dir=local_dir)
        assert y is None
        split_ids[split] = ids_of(x).tolist()
    assert split_ids == {"train": list(range(40)), "validation": list(range(40, 50)), "test": list(range(50, 60))}


def test_canonical_name_with_other_content_then_as_custom_name(tmp_path):
    local_dir = write_fake_mnist(tmp_path / "idx")
    with pytest.raises(ValueError, match="custom dataset.*--dataset=my_digits --local_dir"):
        keras_gan.data.load_arrays("mnist", data_dir=str(tmp_path / "tfds"), local_dir=local_dir)
    x, _ = keras_gan.data.load_arrays("my_mnist_copy", data_dir=str(tmp_path / "tfds"), local_dir=local_dir)
    assert x.shape == (N_TRAIN - SIXTH, 28, 28, 1)


def test_prepare_logs_its_phases_with_timings(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="keras_gan")  # the package logs its progress there
    local_dir = write_fake_mnist(tmp_path / "idx")
    with published_as("mnist", local_dir):
        keras_gan.data.prepare("mnist", local_dir, str(tmp_path / "tfds"))
    keras_gan.data.prepare("logged_digits", local_dir, str(tmp_path / "tfds"))
    done = [r.getMessage() for r in caplog.records if ": done in " in r.getMessage()]
    for name in ("mnist", "logged_digits"):
        assert any(m.startswith("Reading and verifying the") and name in m for m in done), done
        assert any(m.startswith(f"Writing the TFDS dataset {name} into") for m in done), done


# ---------------------------------------------------------------- folders of images


@pytest.mark.parametrize("layout", ["classes", "flat", "splits"])
def test_image_folder_layouts(tmp_path, layout):
    root = write_image_folder(tmp_path / "pics", n=30, layout=layout)
    x, y = keras_gan.data.load_arrays(root + "/", "train")
    assert x.shape[1:] == (8, 8, 1)
    test_x, _ = keras_gan.data.load_arrays(root + "/", "test")
    if layout == "splits":  # train/ and test/: validation is the last sixth of train/.
        assert len(x) == 25 and sorted(ids_of(test_x)) == list(range(30, 36))
    else:  # One folder: the last sixth is test.
        assert len(x) == 20 and len(test_x) == 5
    if layout == "flat":
        assert y is None
        np.testing.assert_array_equal(ids_of(x), np.arange(20))  # Sorted file names.
    else:
        np.testing.assert_array_equal(y, ids_of(x) % 2)  # "cat" = 0, "dog" = 1: sorted class names.


def test_image_folder_rgb_batches_with_labels(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=40, channels=3)
    ds = keras_gan.data.image_dataset(root + "/", batch_size=8, image_range="tanh", with_labels=True)
    for images, labels in ds.as_numpy_iterator():
        assert images.shape == (8, 8, 8, 3) and images.min() >= -1 and images.max() <= 1
        np.testing.assert_array_equal(labels, np.rint((images[:, 0, 0, 0] + 1) / 2 * 255).astype(int) % 2)


def test_registry_serves_a_folder(tmp_path):
    root = write_image_folder(tmp_path / "pics", n=30, layout="flat")
    spec = keras_gan.data.get_dataset(root + "/")
    x, y = spec.load("validation")
    assert spec.kind == "images" and y is None
    np.testing.assert_array_equal(ids_of(x), np.arange(20, 25))


# ---------------------------------------------------------------- .npy / .npz arrays


def test_npy_uint8_and_float(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (60, 6, 6), dtype=np.uint8)
    np.save(tmp_path / "a.npy", images)
    np.save(tmp_path / "b.npy", images[..., None] / 255.0)
    a, labels = keras_gan.data.load_arrays(str(tmp_path / "a.npy"), "validation")
    b, _ = keras_gan.data.load_arrays(str(tmp_path / "b.npy"), "validation")
    assert a.shape == (10, 6, 6, 1) and labels is None
    np.testing.assert_allclose(a[..., 0], images[40:50] / 255, atol=1e-6)
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert keras_gan.data.image_shape(str(tmp_path / "a.npy")) == (6, 6, 1)


def test_npz_plain_and_per_split(tmp_path):
    x = np.arange(60, dtype=np.uint8)[:, None, None] * np.ones((1, 4, 4), np.uint8)
    np.savez(tmp_path / "plain.npz", images=x, labels=np.arange(60) % 3)
    np.savez(tmp_path / "splits.npz", x_train=x[:48], y_train=np.arange(48) % 3, x_test=x[48:],
             y_test=np.arange(48, 60) % 3)
    train, y = keras_gan.data.load_arrays(str(tmp_path / "plain.npz"), "train")
    np.testing.assert_array_equal(ids_of(train), np.arange(40))
    np.testing.assert_array_equal(y, np.arange(40) % 3)
    test, y = keras_gan.data.load_arrays(str(tmp_path / "splits.npz"), "test")
    np.testing.assert_array_equal(ids_of(test), np.arange(48, 60))
    validation, _ = keras_gan.data.load_arrays(str(tmp_path / "splits.npz"), "validation")
    np.testing.assert_array_equal(ids_of(validation), np.arange(40, 48))  # The last sixth of x_train.


def test_image_dataset_is_epoch_batches_of_the_split(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (60, 4, 4, 1), dtype=np.uint8)
    np.save(tmp_path / "x.npy", images)
    ds = keras_gan.data.image_dataset(str(tmp_path / "x.npy"), batch_size=10, seed=4)
    train = images[: 60 - 2 * (60 // 6)]  # No test split: train is the first 4/6.
    expected = pipeline.epoch_batches(train, batch_size=10, seed=4, preprocess=lambda x: x / 255)
    for _ in range(2):
        got = np.concatenate([b.numpy() for b in ds])
        np.testing.assert_allclose(got, np.concatenate([b.numpy() for b in expected]), atol=1e-6)
