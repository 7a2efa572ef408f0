"""Callbacks: sample grids and Figure-1 plots as PNG files, crash-safe checkpoints, a CSV log consistent across
resumes."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import callbacks
from keras_gan.data import toy


def _toy_gan(dim=2):
    gan = keras_gan.GAN(
        keras_gan.networks.mlp_generator(latent_dim=2, output_dim=dim, hidden_units=(8,), seed=0),
        keras_gan.networks.mlp_discriminator(input_dim=dim, hidden_units=(8,), seed=1),
        latent_dim=2, seed=0,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    gan.g_optimizer.build(gan.generator.trainable_variables)
    return gan


def _png(path):
    return tf.io.decode_png(tf.io.read_file(path)).numpy()


# ---- pictures --------------------------------------------------------------------------------------------------


def test_image_grid_tiles_flat_images_into_a_square():
    images = np.zeros((64, 784), "float32")
    images[5] = 1.0
    grid = callbacks.image_grid(images, padding=2)
    assert grid.shape == (8 * 30 + 2, 8 * 30 + 2, 1) and grid.dtype == np.uint8
    # Image 5 is row 0, column 5: all white.
    assert (grid[2:30, 2 + 5 * 30 : 30 + 5 * 30] == 255).all()
    assert grid.sum() == 255 * 784


def test_image_grid_needs_a_shape_for_non_square_images():
    with pytest.raises(ValueError, match="image_shape"):
        callbacks.image_grid(np.zeros((4, 10)))
    assert callbacks.image_grid(np.zeros((4, 10)), image_shape=(2, 5, 1)).shape == (2 * 4 + 2, 2 * 7 + 2, 1)


def test_points_picture_draws_1d_and_2d_points():
    ring = toy.sample_mixture(500, toy.ring_modes(), 0.02)
    assert callbacks.points_picture(ring, reference=ring).shape == (256, 256, 3)
    assert callbacks.points_picture(ring[:, :1], size=64).shape == (64, 64, 3)
    with pytest.raises(ValueError, match=r"\[n, 1\] or \[n, 2\]"):
        callbacks.points_picture(np.zeros((5, 3)))


def test_sample_grid_writes_a_png_per_epoch_from_a_fixed_latent_batch(tmp_path):
    gan = _toy_gan()
    grid = callbacks.SampleGrid(str(tmp_path / "samples"), num_samples=100, seed=3, every_epochs=2)
    data = toy.points_dataset(toy.sample_mixture(200, toy.ring_modes(), 0.02), batch_size=100)
    gan.fit(data, epochs=3, verbose=0, callbacks=[grid])
    # Every 2nd epoch, and always the last one.
    assert sorted(os.listdir(tmp_path / "samples")) == ["epoch_0002.png", "epoch_0003.png"]
    assert _png(str(tmp_path / "samples" / "epoch_0003.png")).shape == (256, 256, 3)
    # The latent batch is fixed: the same weights draw the same picture.
    np.testing.assert_array_equal(grid.picture(), grid.picture())


def test_sample_grid_of_images_and_tensorboard(tmp_path):
    pytest.importorskip("tensorboard")  # tf.summary writes nothing without it (TF >= 2.16 does not install it)
    gan = keras_gan.GAN(
        keras_gan.networks.dcgan_generator(latent_dim=4, base_filters=2, seed=0),
        keras_gan.networks.dcgan_discriminator(base_filters=2, seed=1), latent_dim=4, seed=0,
    )
    gan.compile(jit_compile=False)
    grid = callbacks.SampleGrid(str(tmp_path / "s"), num_samples=16, tensorboard_dir=str(tmp_path / "tb"))
    grid.set_model(gan)
    path = grid.write(1)
    assert path.endswith("epoch_0001.png")
    assert _png(path).shape == (4 * 30 + 2, 4 * 30 + 2, 1)
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "tb"))


def test_figure1_plot_writes_the_chosen_epochs(tmp_path):
    pytest.importorskip("matplotlib")
    gan = _toy_gan(dim=1)
    points = toy.sample_gaussian_1d(400)
    plot = callbacks.Figure1Plot(str(tmp_path / "fig"), epochs=(1,), data=points, data_mean=4.0, data_stddev=0.5,
                                 num_samples=500)
    gan.fit(toy.points_dataset(points, batch_size=100), epochs=2, verbose=0, callbacks=[plot])
    assert sorted(os.listdir(tmp_path / "fig")) == ["epoch_0001.png", "epoch_0002.png"]
    picture = _png(str(tmp_path / "fig" / "epoch_0002.png"))
    assert picture.shape[0] > 200 and picture.shape[1] > 300


# ---- atomic files and checkpoints ------------------------------------------------------------------------------


def test_atomic_write_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    path = str(tmp_path / "f.bin")
    callbacks.atomic_write_bytes(path, b"old")
    callbacks.atomic_write_bytes(path, b"new contents")
    assert open(path, "rb").read() == b"new contents"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_checkpoint_round_trip_restores_every_variable(tmp_path):
    gan = _toy_gan()
    data = toy.points_dataset(toy.sample_mixture(200, toy.ring_modes(), 0.02), batch_size=100)
    gan.fit(data, epochs=1, verbose=0)
    path = callbacks.save_checkpoint(str(tmp_path), gan, epoch=1, metadata={"hello": "there"})
    meta, arrays = callbacks.load_checkpoint(path)
    assert meta["epoch"] == 1 and meta["hello"] == "there"
    other = _toy_gan()
    other.seed_generator.state.assign([123, 456])
    callbacks.restore_state(other, arrays)
    for group, variables in callbacks.state_variables(gan).items():
        for a, b in zip(variables, callbacks.state_variables(other)[group]):
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
    # The noise stream continues where it was: same next noise batch.
    np.testing.assert_array_equal(gan._noise(4).numpy(), other._noise(4).numpy())


def test_checkpoints_keep_the_newest_and_ignore_partial_writes(tmp_path):
    gan = _toy_gan()
    for epoch in range(1, 6):
        callbacks.save_checkpoint(str(tmp_path), gan, epoch, keep=2)
    # A write killed before its rename leaves only a hidden temporary, which is never listed.
    (tmp_path / ".ckpt-0006.npz.tmp-999").write_bytes(b"PK\x03\x04 half a zip")
    assert [e for e, _ in callbacks.list_checkpoints(str(tmp_path))] == [4, 5]


def test_unreadable_checkpoint_and_mismatched_model_raise(tmp_path):
    bad = tmp_path / "ckpt-0001.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="not a readable keras_gan checkpoint"):
        callbacks.load_checkpoint(str(bad))
    path = callbacks.save_checkpoint(str(tmp_path / "c"), _toy_gan(dim=2), 1)
    with pytest.raises(ValueError, match="has shape .* another network size"):
        callbacks.restore_state(_toy_gan(dim=1), callbacks.load_checkpoint(path)[1])


def test_csv_log_trims_epochs_after_the_resumed_checkpoint(tmp_path):
    path = str(tmp_path / "log.csv")
    log = callbacks.CSVLog(path)
    log.on_train_begin()
    for epoch in range(4):
        log.on_epoch_end(epoch, {"g_loss": 0.5 + epoch, "d_loss": 1.0})
    with open(path, "a") as f:
        f.write("4,0.1")  # a row cut short by a crash
    log.trim(2)
    log.on_train_begin()
    log.on_epoch_end(2, {"g_loss": 9.0, "d_loss": 1.0})
    lines = open(path).read().splitlines()
    assert lines[0] == "epoch,d_loss,g_loss"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2"]
    assert lines[-1] == "2,1.0,9.0"


def test_a_diverged_epoch_stops_training_before_it_is_checkpointed(tmp_path):
    gan = keras_gan.GAN(keras_gan.networks.mlp_generator(2, 2), keras_gan.networks.mlp_discriminator(2), seed=0)
    # A learning rate of inf makes the first update non-finite.
    gan.compile(d_optimizer=keras.optimizers.SGD(float("inf")), g_optimizer=keras.optimizers.SGD(float("inf")))
    checkpoints = tmp_path / "ckpt"
    with pytest.raises(callbacks.TrainingDiverged, match="diverged in epoch 1.*--learning_rate"):
        gan.fit(toy.ring_dataset(batch_size=32, num_examples=320), epochs=2, verbose=0,
                callbacks=[callbacks.StopOnDivergence(), callbacks.GANCheckpoint(str(checkpoints))])
    assert not list(checkpoints.glob("ckpt-*"))
