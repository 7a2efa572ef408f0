"""keras_gan.data with TFDS datasets: local IDX files -> TFDS -> batches for GAN.fit.

Everything here runs on small IDX files the tests write themselves (image i has every pixel equal to i, label
i % 10; see test_data_helpers), declared the published "mnist" for the test (`published_as`) and prepared into
temporary TFDS data_dirs, or on `tfds.testing.mock_data`; nothing downloads. The real Fashion-MNIST is in
test_data_fashion_mnist.py; users' own files in test_data_sources.py; the pipeline in test_data_pipeline.py.
"""

import contextlib
import os
import socket
import time

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import keras_gan
from keras_gan.data import idx, local_builder, tfds_source, tfds_writer
from test_data_helpers import (N_TEST, N_TRAIN, batches, fake_split, pixel_ids, published_as, tree, write_fake_mnist,
                               write_idx)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A fake "mnist" prepared once from local IDX files: (data_dir, local_dir)."""
    root = tmp_path_factory.mktemp("prepared")
    local_dir = write_fake_mnist(root / "idx")
    data_dir = str(root / "tfds")
    with published_as("mnist", local_dir):
        keras_gan.data.prepare("mnist", local_dir, data_dir)
    return data_dir, local_dir


# ---------------------------------------------------------------- IDX reading and checks


def test_idx_round_trip_gzip_and_plain(tmp_path):
    x, _ = fake_split(7)
    a, digest_a = idx.read_idx(write_idx(str(tmp_path / "a.gz"), x, idx.IMAGES_MAGIC), idx.IMAGES_MAGIC)
    b, digest_b = idx.read_idx(write_idx(str(tmp_path / "b"), x, idx.IMAGES_MAGIC), idx.IMAGES_MAGIC)
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, x)
    assert digest_a == digest_b  # The hash is of the decompressed content.


def test_png_examples_are_lossless():
    x = np.random.default_rng(0).integers(0, 256, (20, 9, 7, 3), dtype=np.uint8)
    examples = list(tfds_writer.png_examples(x, np.arange(20)))
    assert [key for key, _ in examples] == list(range(20))
    decoded = np.stack([tf.io.decode_png(example["image"]).numpy() for _, example in examples])
    np.testing.assert_array_equal(decoded, x)
    assert [example["label"] for _, example in examples] == list(range(20))


@pytest.mark.parametrize("damage, message", [
    ("truncate_gzip", "not a valid gzip file"),
    ("truncate_plain", "truncated"),
    ("extra_bytes", "longer than its header says"),
    ("bad_magic", "magic number"),
    ("labels_as_images", "magic number"),
    ("wrong_size", "shape"),
    ("count_mismatch", "labels"),
    ("label_out_of_range", "outside [0, 10)"),
    ("missing_file", "No test labels file"),
    ("checksum", "SHA-256.*custom dataset.*--dataset=my_digits --local_dir"),
])
def test_bad_idx_files_raise_and_write_nothing(tmp_path, damage, message):
    local_dir = write_fake_mnist(tmp_path / "idx")
    test_images = os.path.join(local_dir, "t10k-images.idx3-ubyte")
    train_images = os.path.join(local_dir, "train-images-idx3-ubyte.gz")
    labels = os.path.join(local_dir, "t10k-labels.idx1-ubyte")
    if damage == "truncate_gzip":
        data = open(train_images, "rb").read()
        open(train_images, "wb").write(data[: len(data) // 2])
    elif damage == "truncate_plain":
        data = open(test_images, "rb").read()
        open(test_images, "wb").write(data[:-100])
    elif damage == "extra_bytes":
        open(test_images, "ab").write(b"\0" * 10)
    elif damage == "bad_magic":
        data = open(test_images, "rb").read()
        open(test_images, "wb").write(b"\x1f\x8b\x08\x00" + data[4:])
    elif damage == "labels_as_images":
        os.replace(labels, test_images)
        write_idx(labels, fake_split(N_TEST)[1], idx.LABELS_MAGIC)
    elif damage == "wrong_size":
        write_idx(test_images, fake_split(N_TEST, size=32)[0], idx.IMAGES_MAGIC)
    elif damage == "count_mismatch":
        write_idx(labels, fake_split(N_TEST - 1)[1], idx.LABELS_MAGIC)
    elif damage == "label_out_of_range":
        write_idx(labels, np.full(N_TEST, 10, np.uint8), idx.LABELS_MAGIC)
    elif damage == "missing_file":
        os.remove(labels)
    data_dir = tmp_path / "tfds"
    data_dir.mkdir()
    (data_dir / "other_dataset").mkdir()  # Something already there must stay untouched.
    before = tree(data_dir)
    # The damaged files are declared MNIST's, so the check under test fires, not the checksum; except for
    # "checksum" itself, where the fake files meet MNIST's real checksums.
    published = published_as("mnist", local_dir) if damage != "checksum" else contextlib.nullcontext()
    with published, pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)")):
        keras_gan.data.prepare("mnist", local_dir, str(data_dir))
    assert tree(data_dir) == before


def test_failure_while_tfds_writes_leaves_data_dir_as_it_was(tmp_path, monkeypatch):
    local_dir = write_fake_mnist(tmp_path / "idx")
    real_cls = local_builder._local_builder_cls

    def failing_cls(*args):
        cls = real_cls(*args)

        def generate(self, split):
            yield from list(cls._generate_examples(self, split))[:10]
            raise RuntimeError("disk full")

        return type("Failing", (cls,), {"_generate_examples": generate, "name": "mnist"},
                    skip_registration=True)

    monkeypatch.setattr(local_builder, "_local_builder_cls", failing_cls)
    with published_as("mnist", local_dir), pytest.raises(RuntimeError, match="disk full"):
        keras_gan.data.prepare("mnist", local_dir, str(tmp_path / "tfds"))
    assert tree(tmp_path / "tfds") is None


def test_prepare_rejects_datasets_without_idx_builder(tmp_path):
    with pytest.raises(ValueError, match="Only.*choose a new name"):
        keras_gan.data.prepare("cifar10", str(tmp_path), str(tmp_path / "tfds"))


# ---------------------------------------------------------------- the prepared TFDS dataset


def test_prepared_dataset_is_plain_tfds(prepared):
    data_dir, _ = prepared
    # Read back by TFDS alone, with downloads off: a real TFDS dataset in data_dir.
    ds = tfds.load("mnist", split="test", data_dir=data_dir, download=False, batch_size=-1)
    np.testing.assert_array_equal(ds["image"].numpy()[:, 0, 0, 0], np.arange(N_TEST) + 100)
    np.testing.assert_array_equal(ds["label"].numpy(), np.arange(N_TEST) % 10)


def test_prepare_runs_once(prepared):
    data_dir, _ = prepared
    # Already prepared: the IDX files are not needed again.
    builder = keras_gan.data.prepare("mnist", "/nonexistent", data_dir)
    assert builder.info.splits["train"].num_examples == N_TRAIN


def test_load_arrays_scales_to_unit_interval(prepared):
    data_dir, _ = prepared
    x, y = keras_gan.data.load_arrays("mnist", "train[:100%]", data_dir=data_dir)
    assert x.shape == (N_TRAIN, 28, 28, 1) and x.dtype == np.float32
    assert y.shape == (N_TRAIN,) and y.dtype == np.int64
    np.testing.assert_allclose(x[:, 0, 0, 0], np.arange(N_TRAIN) / 255, atol=1e-6)
    np.testing.assert_array_equal(y, np.arange(N_TRAIN) % 10)


@pytest.mark.parametrize("cache", [True, False])
def test_batches_hold_k_times_m_examples_and_drop_remainder(prepared, cache):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=30, d_steps=2,
                                      cache=cache, data_dir=data_dir)
    got = batches(ds)
    assert ds.element_spec.shape == (60, 28, 28, 1)
    assert len(got) == N_TRAIN // 60  # 4 batches; the last 10 examples are dropped.
    ids = np.concatenate([pixel_ids(b) for b in got])
    assert len(set(ids)) == len(ids)  # No example twice in an epoch.


@pytest.mark.parametrize("image_range, low, high", [("sigmoid", 0.0, 1.0), ("tanh", -1.0, 1.0)])
def test_pixels_scaled_to_generator_range(prepared, image_range, low, high):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=N_TRAIN, shuffle=False,
                                      image_range=image_range, data_dir=data_dir)
    (batch,) = batches(ds)
    assert batch.dtype == np.float32
    # Image 0 is black (low), image 249 holds 249/255 of the way up.
    np.testing.assert_allclose(batch[0], low)
    np.testing.assert_allclose(batch[249], low + (high - low) * 249 / 255, atol=1e-6)


@pytest.mark.parametrize("cache", [True, False])
def test_flatten_for_mlp_networks(prepared, cache):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", flatten=True, batch_size=50,
                                      shuffle=False, cache=cache, deterministic=True,
                                      data_dir=data_dir)
    assert ds.element_spec.shape == (50, 784)
    np.testing.assert_allclose(next(iter(ds))[1].numpy(), 1 / 255)  # Image 1, all 784 pixels.


def test_no_shuffle_keeps_file_order(prepared):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=50, shuffle=False,
                                      data_dir=data_dir)
    np.testing.assert_array_equal(np.concatenate([pixel_ids(b) for b in batches(ds)]),
                                  np.arange(N_TRAIN))


@pytest.mark.parametrize("cache", [True, False])
def test_seeded_shuffle_is_reproducible_and_new_each_epoch(prepared, cache):
    data_dir, _ = prepared

    def epochs(seed):
        ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=50, seed=seed,
                                          deterministic=True, cache=cache, data_dir=data_dir)
        return [np.concatenate([pixel_ids(b) for b in batches(ds)]) for _ in range(2)]

    first, second = epochs(1), epochs(1)
    np.testing.assert_array_equal(first, second)  # Same seed, same sequence of epochs.
    assert not np.array_equal(first[0], first[1])  # Each epoch its own order.
    assert not np.array_equal(first[0], epochs(2)[0])  # Another seed, another order.
    assert not np.array_equal(first[0], np.arange(N_TRAIN))


def test_split_strings_pass_through_to_tfds(prepared):
    data_dir, _ = prepared
    x, _ = keras_gan.data.load_arrays("mnist", "train[10:20]+test[:5]", data_dir=data_dir)
    np.testing.assert_allclose(x[:, 0, 0, 0] * 255, list(range(10, 20)) + list(range(100, 105)),
                               atol=1e-4)


def test_paper_splits():
    assert keras_gan.data.PAPER_SPLITS == {
        "train": "train[0:50000]", "validation": "train[50000:60000]", "test": "test"}
    assert keras_gan.data.resolve_split("validation") == "train[50000:60000]"
    assert keras_gan.data.resolve_split("train[:100%]") == "train[:100%]"


def test_one_split_rule_validation_is_the_last_sixth_of_train(prepared):
    data_dir, _ = prepared
    sixth = N_TRAIN // 6
    ids = {split: np.rint(keras_gan.data.load_arrays("mnist", split, data_dir=data_dir)[0][:, 0, 0, 0] * 255)
           for split in ("train", "validation", "test")}
    np.testing.assert_array_equal(ids["train"], np.arange(N_TRAIN - sixth))
    np.testing.assert_array_equal(ids["validation"], np.arange(N_TRAIN - sixth, N_TRAIN))
    np.testing.assert_array_equal(ids["test"], np.arange(N_TEST) + 100)


def test_batches_with_labels(prepared):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=50, with_labels=True, data_dir=data_dir)
    for images, labels in ds.as_numpy_iterator():
        assert images.shape == (50, 28, 28, 1) and labels.dtype == np.int64
        np.testing.assert_array_equal(labels, pixel_ids(images) % 10)


def test_split_smaller_than_a_batch_is_an_error(prepared):
    data_dir, _ = prepared
    with pytest.raises(ValueError, match="fewer than one batch"):
        keras_gan.data.image_dataset("mnist", "test", batch_size=40, d_steps=2, data_dir=data_dir)


def test_gan_trains_on_the_pipeline(prepared):
    data_dir, _ = prepared
    ds = keras_gan.data.image_dataset("mnist", "train[:100%]", batch_size=25, d_steps=2,
                                      flatten=True, data_dir=data_dir)
    gan = keras_gan.GAN(keras_gan.networks.mlp_generator(8, 784, hidden_units=(16,)),
                        keras_gan.networks.mlp_discriminator(784, hidden_units=(16,)),
                        latent_dim=8, d_steps=2, seed=0)
    gan.compile(jit_compile=False)
    history = gan.fit(ds, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["d_loss"]))


# ---------------------------------------------------------------- argument and name errors


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size"),
    ({"d_steps": 1.5}, "d_steps"),
    ({"image_range": "relu"}, "image_range"),
    ({"split": ""}, "split"),
    ({"seed": "x"}, "seed"),
    ({"split": "trian"}, "trian"),
])
def test_bad_arguments(prepared, kwargs, message):
    data_dir, _ = prepared
    with pytest.raises(ValueError, match=message):
        keras_gan.data.image_dataset("mnist", data_dir=data_dir, **kwargs)


def test_unknown_dataset_lists_names(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown dataset 'fashon_mnist'.*fashion_mnist"):
        keras_gan.data.image_dataset("fashon_mnist", data_dir=str(tmp_path))
    assert tree(tmp_path) == []


def test_non_image_dataset_is_rejected_before_downloading(tmp_path):
    with pytest.raises(ValueError, match="not an image dataset"):
        keras_gan.data.image_dataset("imdb_reviews", data_dir=str(tmp_path / "tfds"))
    assert tree(tmp_path / "tfds") is None


def test_check_image_shape():
    assert keras_gan.data.check_image_shape((28, 28, 1), (784,)) is True
    assert keras_gan.data.check_image_shape((28, 28, 1), (28, 28, 1)) is False
    assert keras_gan.data.check_image_shape((32, 32, 3), (None, 32, 32, 3)) is False
    with pytest.raises(ValueError, match=r"\(32, 32, 3\).*\(784,\).*3072"):
        keras_gan.data.check_image_shape((32, 32, 3), (784,))


def test_image_shape_without_download(tmp_path):
    assert keras_gan.data.image_shape("cifar10", data_dir=str(tmp_path)) == (32, 32, 3)
    assert tree(tmp_path) == []


# ---------------------------------------------------------------- generic TFDS path, offline


def test_any_tfds_dataset_through_mock_data(monkeypatch):
    # mock_data fakes TFDS's reads; the package knows nothing of it, so the test also skips the reachability check.
    monkeypatch.setattr(tfds_source, "_check_online", lambda builder: None)
    with tfds.testing.mock_data(num_examples=250):
        ds = keras_gan.data.image_dataset("cifar10", "train[:100%]", batch_size=50, d_steps=2,
                                          image_range="tanh")
        got = batches(ds)
        x, y = keras_gan.data.load_arrays("cifar10", "test[:100%]")  # Mocked cifar10 has no split sizes.
    assert ds.element_spec.shape == (100, 32, 32, 3) and len(got) == 2
    assert all(b.min() >= -1 and b.max() <= 1 for b in got)
    assert x.shape == (250, 32, 32, 3) and 0 <= x.min() and x.max() <= 1 and y.shape == (250,)


def test_mock_data_without_local_files(monkeypatch):
    monkeypatch.setattr(tfds_source, "_check_online", lambda builder: None)
    monkeypatch.setattr(local_builder, "default_local_dir", lambda name: None)  # Not the packaged IDX files.
    with tfds.testing.mock_data(num_examples=100):
        ds = keras_gan.data.image_dataset("fashion_mnist", "train[:100%]", flatten=True)
        assert len(batches(ds)) == 1 and ds.element_spec.shape == (100, 784)


def _reachable(host, port=443):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False


def test_unreachable_host_fails_fast_with_advice(tmp_path, monkeypatch):
    monkeypatch.setattr(tfds_source, "_probe", lambda host, port: OSError("Name or service not known"))
    with pytest.raises(ConnectionError, match="offline.*prepared"):
        keras_gan.data.image_dataset("cifar10", data_dir=str(tmp_path / "tfds"))
    monkeypatch.setattr(local_builder, "default_local_dir", lambda name: None)
    with pytest.raises(ConnectionError, match="local_dir"):
        keras_gan.data.image_dataset("mnist", data_dir=str(tmp_path / "tfds"))
    assert tree(tmp_path / "tfds") is None


def test_offline_here_fails_in_seconds_and_cleans_up(tmp_path, monkeypatch):
    if _reachable("www.cs.toronto.edu"):
        pytest.skip("online: this checks the offline behaviour")
    start = time.monotonic()
    with pytest.raises(ConnectionError, match="www.cs.toronto.edu"):
        keras_gan.data.image_dataset("cifar10", data_dir=str(tmp_path / "tfds"))
    # TFDS alone retries for minutes here (~200 s measured) before failing.
    assert time.monotonic() - start < 20
    # And if TFDS itself fails half-way (no reachability check, no retries), its partial
    # download and empty folders go too.
    monkeypatch.setattr(tfds_source, "_check_online", lambda builder: None)
    monkeypatch.setattr("tensorflow_datasets.core.download.downloader.MAX_RETRIES", 0)
    (tmp_path / "tfds").mkdir()
    with pytest.raises(Exception):
        keras_gan.data.image_dataset("cifar10", data_dir=str(tmp_path / "tfds"))
    assert tree(tmp_path / "tfds") == []
