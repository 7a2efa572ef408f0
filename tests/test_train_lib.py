"""train_and_evaluate(config, workdir): the workdir it writes, resuming, data order, refusing another run's
workdir, and the image configs' paths on small stand-in data."""

import dataclasses
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import callbacks, configs, train_lib
from conftest import snapshot


def _ring(**changes):
    # 10 steps of 100 per epoch.
    # No XLA: these runs are a few steps long, compiling would take longer than training.
    return dataclasses.replace(
        configs.get_config("toy_ring"), num_examples=1000, verbose=0, jit_compile=False, **changes
    )


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("ring"))
    return workdir, train_lib.train_and_evaluate(_ring(epochs=2), workdir)


def test_train_writes_the_documented_workdir(ring_run):
    workdir, result = ring_run
    assert result["epoch"] == 2 and result["resumed_from"] == 0
    assert sorted(result["history"]) == ["d_fake", "d_loss", "d_real", "epoch_seconds", "g_loss"]
    for path in ("config.json", "log.csv", "generator.keras", "gan.keras", "metrics.json",
                 "checkpoints/ckpt-0001.npz", "checkpoints/ckpt-0002.npz",
                 "samples/epoch_0001.png", "samples/epoch_0002.png"):
        assert os.path.isfile(os.path.join(workdir, path)), path
    if train_lib._tensorboard_installed():
        assert os.listdir(os.path.join(workdir, "tensorboard"))
    assert json.load(open(os.path.join(workdir, "config.json")))["name"] == "toy_ring"
    assert json.load(open(os.path.join(workdir, "metrics.json")))["num_modes"] == 8
    generator = keras.models.load_model(os.path.join(workdir, "generator.keras"))
    assert generator(np.zeros((3, 2), "float32")).shape == (3, 2)
    gan = keras.models.load_model(os.path.join(workdir, "gan.keras"))
    assert isinstance(gan, keras_gan.GAN) and gan.d_optimizer.iterations.numpy() == 20


def test_rerun_with_more_epochs_resumes_and_logs_each_epoch_once(ring_run, tmp_path):
    workdir, _ = ring_run
    result = train_lib.train_and_evaluate(_ring(epochs=3), workdir)
    assert result["resumed_from"] == 2 and result["epoch"] == 3
    assert len(result["history"]["g_loss"]) == 1
    rows = open(os.path.join(workdir, "log.csv")).read().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2"]
    # Done already: a rerun trains nothing and changes no checkpoint.
    before = snapshot(os.path.join(workdir, "checkpoints"))
    again = train_lib.train_and_evaluate(_ring(epochs=3), workdir)
    assert again["history"] == {} and again["epoch"] == 3
    assert snapshot(os.path.join(workdir, "checkpoints")) == before


def test_restore_from_workdir_and_sample_to_file(ring_run, tmp_path):
    workdir, _ = ring_run
    gan, config, meta = train_lib.restore_from_workdir(workdir)
    assert config.name == "toy_ring" and meta["epoch"] >= 2
    png = train_lib.sample_to_file(gan, str(tmp_path / "s.png"), 100, seed=1)
    assert tf.io.decode_png(tf.io.read_file(png)).shape == (256, 256, 3)
    npy = train_lib.sample_to_file(gan, str(tmp_path / "s.npy"), 10, seed=1)
    np.testing.assert_array_equal(np.load(npy), gan.generate(10, seed=1))
    with pytest.raises(ValueError, match=r"\.png .* or \.npy"):
        train_lib.sample_to_file(gan, str(tmp_path / "s.jpg"))
    with pytest.raises(train_lib.WorkdirError, match="holds no checkpoint"):
        train_lib.restore_from_workdir(str(tmp_path))


def test_data_order_is_a_function_of_seed_and_epoch():
    examples = np.arange(1000, dtype="float32")[:, None]
    config = _ring(epochs=3, batch_size=100, d_steps=2)
    full, steps = train_lib.epoch_dataset(examples, config, initial_epoch=0)
    assert steps == 5
    batches = [b.numpy()[:, 0] for b in full]
    assert len(batches) == 15 and all(b.shape == (200,) for b in batches)
    # Within an epoch every example is seen at most once; epochs are reshuffled.
    epochs = [np.concatenate(batches[i * 5 : (i + 1) * 5]) for i in range(3)]
    assert all(len(set(e)) == 1000 for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1])
    # A run resumed at epoch 1 sees exactly the same batches.
    resumed, _ = train_lib.epoch_dataset(examples, config, initial_epoch=1)
    np.testing.assert_array_equal(np.stack([b.numpy()[:, 0] for b in resumed]), np.stack(batches[5:]))
    other_seed, _ = train_lib.epoch_dataset(examples, dataclasses.replace(config, seed=1))
    assert not np.array_equal(next(iter(other_seed)).numpy()[:, 0], batches[0])
    with pytest.raises(ValueError, match="fewer than one step"):
        train_lib.epoch_dataset(examples[:150], config)


def test_workdir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "oops.txt"
    path.write_text("mine")
    with pytest.raises(train_lib.WorkdirError, match="is a file, not a folder"):
        train_lib.train_and_evaluate(_ring(epochs=1), str(path))
    assert path.read_text() == "mine"


def test_workdir_of_another_run_is_refused_and_left_untouched(ring_run):
    workdir, _ = ring_run
    before = snapshot(workdir)
    other = dataclasses.replace(configs.get_config("toy_1d"), verbose=0)
    with pytest.raises(train_lib.WorkdirError, match=r"holds another run \(config 'toy_ring'.*new --workdir"):
        train_lib.train_and_evaluate(other, workdir)
    with pytest.raises(train_lib.WorkdirError, match="batch_size: 100 there, 50 now"):
        train_lib.train_and_evaluate(_ring(epochs=5, batch_size=50), workdir)
    assert snapshot(workdir) == before


def test_checkpoints_alone_identify_another_run(ring_run, tmp_path):
    import shutil

    workdir, _ = ring_run
    shutil.copytree(os.path.join(workdir, "checkpoints"), tmp_path / "checkpoints")  # no config.json
    before = snapshot(str(tmp_path))
    with pytest.raises(train_lib.WorkdirError, match=r"holds another run \(config 'toy_ring', see .*ckpt-\d+\.npz"):
        train_lib.train_and_evaluate(dataclasses.replace(configs.get_config("toy_1d"), verbose=0), str(tmp_path))
    assert snapshot(str(tmp_path)) == before


def test_interrupted_writes_are_cleaned_and_a_corrupt_newest_checkpoint_is_skipped(tmp_path):
    workdir = str(tmp_path / "w")
    train_lib.train_and_evaluate(_ring(epochs=2), workdir)
    ckpts = os.path.join(workdir, "checkpoints")
    open(os.path.join(ckpts, ".ckpt-0003.npz.tmp-4242"), "wb").write(b"half")
    # Simulated disk corruption of the newest checkpoint: resuming falls back to the previous one.
    open(os.path.join(ckpts, "ckpt-0002.npz"), "wb").write(b"PK\x03\x04 garbage")
    result = train_lib.train_and_evaluate(_ring(epochs=3), workdir)
    assert result["resumed_from"] == 1
    assert sorted(os.listdir(ckpts)) == ["ckpt-0001.npz", "ckpt-0002.npz", "ckpt-0003.npz"]
    callbacks.load_checkpoint(os.path.join(ckpts, "ckpt-0002.npz"))  # rewritten whole


def test_steps_per_execution_never_straddles_an_epoch():
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 200) == 20
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 30) == 15
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 7) == 7
    assert train_lib._steps_per_execution(_ring(steps_per_execution=4), 7) == 1


@pytest.fixture
def small_images(monkeypatch):
    """keras_gan.data.load_arrays replaced by 256 random 28x28x1 images (no dataset on disk needed)."""
    calls = []

    def load_arrays(name, split="train", *, data_dir=None, local_dir=None):
        calls.append((name, split, local_dir))
        rng = np.random.default_rng(0)
        images = (rng.random((256, 28, 28, 1)) < 0.3).astype("float32")
        return images, np.zeros(256, "int64")

    monkeypatch.setattr(keras_gan.data, "load_arrays", load_arrays)
    return calls


def test_dcgan_config_trains_on_images_and_writes_an_image_grid(small_images, tmp_path):
    config = dataclasses.replace(
        configs.get_config("dcgan_fashion_mnist"), epochs=1, base_filters=4, verbose=0, num_grid_samples=16,
        local_dir="/somewhere", jit_compile=False,
    )
    train_lib.train_and_evaluate(config, str(tmp_path))
    assert small_images == [("fashion_mnist", "train", "/somewhere")]
    grid = tf.io.decode_png(tf.io.read_file(str(tmp_path / "samples" / "epoch_0001.png"))).numpy()
    assert grid.shape == (4 * 30 + 2, 4 * 30 + 2, 1)


def test_paper_config_flattens_images_and_sets_the_output_bias_from_the_data(small_images):
    config = configs.get_config("paper_fashion_mnist")
    examples, shape = train_lib.load_examples(config)
    assert examples.shape == (256, 784) and shape == (28, 28, 1)
    gan = train_lib.build_gan(config, shape, examples)
    bias = gan.generator.get_layer("x").bias.numpy()
    np.testing.assert_allclose(bias, keras_gan.networks.output_bias_from_data(examples), rtol=1e-6)
    # U[-sqrt(3), sqrt(3)] noise, ScheduledSGD with the paper's decaying learning rate.
    assert gan.noise == "uniform" and gan.noise_scale == pytest.approx(3**0.5)
    assert isinstance(gan.d_optimizer, keras_gan.schedules.ScheduledSGD)
    assert gan.d_optimizer.learning_rate.numpy() == pytest.approx(0.1)
    assert float(gan.d_optimizer.momentum_variable.numpy()) == pytest.approx(0.5)
