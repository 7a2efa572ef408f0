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
from keras_gan import checkpoints, configs, losses, networks, train_lib
from keras_gan.data import registry, toy
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
                 "checkpoints/checkpoint", "samples/epoch_0001.png", "samples/epoch_0002.png"):
        assert os.path.isfile(os.path.join(workdir, path)), path
    assert [e for e, _ in checkpoints.list_checkpoints(os.path.join(workdir, "checkpoints"))] == [1, 2]
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
    with pytest.raises(train_lib.WorkdirError, match=r"holds another run \(config 'toy_ring'\)"):
        train_lib.train_and_evaluate(dataclasses.replace(configs.get_config("toy_1d"), verbose=0), str(tmp_path))
    assert snapshot(str(tmp_path)) == before


def test_interrupted_writes_are_cleaned_and_a_corrupt_newest_checkpoint_is_skipped(tmp_path):
    workdir = str(tmp_path / "w")
    train_lib.train_and_evaluate(_ring(epochs=2), workdir)
    ckpts = os.path.join(workdir, "checkpoints")
    open(os.path.join(workdir, ".gan.tmp-4242-x.keras"), "wb").write(b"half")
    # Simulated disk corruption of the newest checkpoint: resuming falls back to the previous one.
    (data,) = [f for f in os.listdir(ckpts) if f.startswith("ckpt-2.data")]
    with open(os.path.join(ckpts, data), "r+b") as f:
        f.truncate(16)
    result = train_lib.train_and_evaluate(_ring(epochs=3), workdir)
    assert result["resumed_from"] == 1
    assert [e for e, _ in checkpoints.list_checkpoints(ckpts)] == [1, 2, 3]
    assert not [f for f in os.listdir(workdir) if ".tmp-" in f]


def test_a_new_loss_network_and_dataset_are_one_registration_each(tmp_path):
    def least_squares_d(real, fake):
        return keras.ops.mean((real - 1.0) ** 2) + keras.ops.mean(fake**2)

    def least_squares_g(fake):
        return keras.ops.mean((fake - 1.0) ** 2)

    def tiny(config, shape, examples):
        generator = keras.Sequential([keras.Input((config.latent_dim,)), keras.layers.Dense(shape[0])])
        discriminator = keras.Sequential([keras.Input(shape), keras.layers.Dense(4, activation="relu"),
                                          keras.layers.Dense(1)])
        return generator, discriminator, True

    losses.register_loss("test_least_squares", least_squares_d, least_squares_g)
    networks.register_architecture("test_tiny", tiny, "points")
    registry.register_dataset(registry.DatasetSpec(
        "test_line", "points", "moments", sampler=lambda n, seed: toy.sample_gaussian_1d(n, 1.0, 0.1, seed),
        mean=1.0, stddev=0.1))
    try:
        config = dataclasses.replace(
            _ring(epochs=1), dataset="test_line", architecture="test_tiny", generator_loss="test_least_squares",
            latent_dim=1)
        result = train_lib.train_and_evaluate(config, str(tmp_path))
        assert result["epoch"] == 1 and result["metrics"]["data_mean"] == 1.0
        gan, _, _ = train_lib.restore_from_workdir(str(tmp_path))
        assert gan.generator_loss_fn is least_squares_g and gan.joint_discriminator_pass
    finally:
        del losses.LOSSES["test_least_squares"], networks.ARCHITECTURES["test_tiny"]
        del registry.DATASETS["test_line"]


def test_steps_per_execution_never_straddles_an_epoch():
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 200) == 20
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 30) == 15
    assert train_lib._steps_per_execution(_ring(steps_per_execution=20), 7) == 7
    assert train_lib._steps_per_execution(_ring(steps_per_execution=4), 7) == 1


@pytest.fixture
def small_images(monkeypatch):
    """The image loader replaced by 256 random 28x28x1 images (no dataset on disk needed)."""
    calls = []

    def load_arrays(name, split="train", *, data_dir=None, local_dir=None):
        calls.append((name, split, local_dir))
        rng = np.random.default_rng(0)
        images = (rng.random((256, 28, 28, 1)) < 0.3).astype("float32")
        return images, np.zeros(256, "int64")

    monkeypatch.setattr(keras_gan.data.images, "load_arrays", load_arrays)
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


def test_paper_config_keeps_image_shapes_and_sets_the_output_bias_from_the_data(small_images):
    config = configs.get_config("paper_fashion_mnist")
    examples, shape = train_lib.load_examples(config)
    assert examples.shape == (256, 28, 28, 1) and shape == (28, 28, 1)
    gan = train_lib.build_gan(config, shape, examples)
    # The paper's 784-d MLPs, with G's output reshaped and D's input flattened; D runs once over [real; fake].
    assert gan.generator.output_shape == (None, 28, 28, 1) and gan.joint_discriminator_pass
    assert any(isinstance(layer, keras_gan.networks.HashDropout) for layer in gan.discriminator.layers)
    bias = gan.generator.get_layer("x").bias.numpy()
    np.testing.assert_allclose(bias, keras_gan.networks.output_bias_from_data(examples), rtol=1e-6)
    # U[-sqrt(3), sqrt(3)] noise, ScheduledSGD with the paper's decaying learning rate.
    assert gan.noise == "uniform" and gan.noise_scale == pytest.approx(3**0.5)
    assert isinstance(gan.d_optimizer, keras_gan.schedules.ScheduledSGD)
    assert gan.d_optimizer.learning_rate.numpy() == pytest.approx(0.1)
    assert float(gan.d_optimizer.momentum_variable.numpy()) == pytest.approx(0.5)
