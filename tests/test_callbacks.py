"""Callbacks: sample grids and Figure-1 plots as PNG files, a CSV log consistent across resumes, and a diverged
epoch that is never checkpointed (the checkpoints themselves: test_checkpoints.py)."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import callbacks
from keras_gan.data import pipeline, toy


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


# ---- pictures during training --------------------------------------------------------------------------------


def test_sample_grid_writes_a_png_per_epoch_from_a_fixed_latent_batch(tmp_path):
    gan = _toy_gan()
    grid = callbacks.SampleGrid(str(tmp_path / "samples"), num_samples=100, seed=3, every_epochs=2)
    data = toy.ring_dataset(batch_size=100, num_examples=200)
    gan.fit(data, epochs=3, verbose=0, callbacks=[grid])
    # Every 2nd epoch, and always the last one.
    assert sorted(os.listdir(tmp_path / "samples")) == ["epoch_0002.png", "epoch_0003.png"]
    assert _png(str(tmp_path / "samples" / "epoch_0003.png")).shape == (256, 256, 3)
    # The latent batch is fixed: the same weights draw the same picture.
    np.testing.assert_array_equal(grid.picture(), grid.picture())


def test_sample_grid_of_images_and_tensorboard(tmp_path):
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
    gan = _toy_gan(dim=1)
    points = toy.sample_gaussian_1d(400)
    plot = callbacks.Figure1Plot(str(tmp_path / "fig"), epochs=(1,), data=points, data_mean=4.0, data_stddev=0.5,
                                 num_samples=500)
    import matplotlib

    backend = matplotlib.get_backend()
    gan.fit(pipeline.epoch_batches(points, batch_size=100), epochs=2, verbose=0, callbacks=[plot])
    assert sorted(os.listdir(tmp_path / "fig")) == ["epoch_0001.png", "epoch_0002.png"]
    picture = _png(str(tmp_path / "fig" / "epoch_0002.png"))
    assert picture.shape[0] > 200 and picture.shape[1] > 300
    # Drawn without pyplot: a notebook's plotting backend stays as it was.
    assert matplotlib.get_backend() == backend


# ---- logs and training control --------------------------------------------------------------------------------


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
