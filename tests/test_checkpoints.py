"""Checkpoints on tf.train: variables restored by name, the newest kept, damaged ones skipped with a warning,
another model's refused, the old .npz format refused, and a full disk that leaves the previous checkpoint whole."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import checkpoints
from keras_gan.data import toy


def _gan(dim=2, dropout=False):
    layers = [keras.Input((dim,))] + ([keras.layers.Dropout(0.3, seed=3)] if dropout else [])
    discriminator = keras.Sequential(layers + [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    gan = keras_gan.GAN(keras_gan.networks.mlp_generator(2, dim, hidden_units=(8,), seed=0), discriminator,
                        latent_dim=2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    gan.g_optimizer.build(gan.generator.trainable_variables)
    return gan


def _values(gan):
    return [np.asarray(keras.ops.convert_to_numpy(v)) for v in
            gan.variables + gan.d_optimizer.variables + gan.g_optimizer.variables]


def test_a_restored_checkpoint_continues_exactly_where_training_was(tmp_path):
    gan = _gan(dropout=True)
    gan.fit(toy.ring_dataset(batch_size=100, num_examples=200), epochs=1, verbose=0)
    checkpoints.Checkpointer(gan, tmp_path).save(1, {"hello": "there"})
    other = _gan(dropout=True)
    meta = checkpoints.Checkpointer(other, tmp_path).restore_latest()
    assert meta == {"epoch": 1, "hello": "there"}
    for a, b in zip(_values(gan), _values(other)):
        np.testing.assert_array_equal(a, b)
    # Noise and dropout streams continue where they were: the next step is the same on both.
    np.testing.assert_array_equal(gan._noise(4).numpy(), other._noise(4).numpy())
    x = tf.ones((8, 2))
    np.testing.assert_array_equal(gan.discriminator(x, training=True), other.discriminator(x, training=True))


def test_the_newest_are_kept_and_listed_oldest_first(tmp_path):
    gan = _gan()
    checkpointer = checkpoints.Checkpointer(gan, tmp_path, keep=2)
    for epoch in range(1, 6):
        checkpointer.save(epoch)
    assert [e for e, _ in checkpoints.list_checkpoints(str(tmp_path))] == [4, 5]
    assert checkpoints.latest_metadata(str(tmp_path))["epoch"] == 5


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_with_a_warning(tmp_path, caplog):
    gan = _gan()
    checkpointer = checkpoints.Checkpointer(gan, tmp_path)
    checkpointer.save(1)
    gan.generator.weights[0].assign(gan.generator.weights[0] + 1.0)
    prefix = checkpointer.save(2)
    (data,) = [f for f in os.listdir(tmp_path) if f.startswith("ckpt-2.data")]
    with open(tmp_path / data, "r+b") as f:
        f.truncate(10)
    other = _gan()
    assert checkpoints.Checkpointer(other, tmp_path).restore_latest()["epoch"] == 1
    assert any("damaged" in r.getMessage() for r in caplog.records), prefix


def test_another_models_checkpoint_is_refused_not_misloaded(tmp_path):
    checkpoints.Checkpointer(_gan(dim=2), tmp_path).save(1)
    with pytest.raises(checkpoints.CheckpointError, match="does not fit this model.*new --workdir"):
        checkpoints.Checkpointer(_gan(dim=3), tmp_path).restore_latest()


def test_the_old_npz_format_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "ckpt-0003.npz").write_bytes(b"PK\x03\x04 old")
    with pytest.raises(checkpoints.CheckpointError, match=r"0\.1's \.npz format.*new --workdir"):
        checkpoints.list_checkpoints(str(tmp_path))


def test_a_full_disk_during_a_save_leaves_the_previous_checkpoint_loadable(tmp_path, monkeypatch):
    gan = _gan()
    checkpointer = checkpoints.Checkpointer(gan, tmp_path)
    checkpointer.save(1)
    saved = _values(gan)
    gan.generator.weights[0].assign(gan.generator.weights[0] + 1.0)

    def full_disk(self, *args, **kwargs):
        # What TensorFlow's writer meets on a full disk, after it has written part of the data.
        with open(tmp_path / "ckpt-2_temp.data-00000-of-00001", "wb") as f:
            f.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tf.train.CheckpointManager, "save", full_disk)
    with pytest.raises(checkpoints.CheckpointError, match="epoch 1 is intact.*Free disk space"):
        checkpointer.save(2)
    monkeypatch.undo()
    other = _gan()
    assert checkpoints.Checkpointer(other, tmp_path).restore_latest()["epoch"] == 1
    for a, b in zip(saved, _values(other)):
        np.testing.assert_array_equal(a, b)
