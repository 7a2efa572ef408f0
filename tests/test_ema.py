"""The generator's exponential moving average: updated after every generator step, the generator that samples
(generate, gan(z), grids, export), the raw one still reachable, and kept by `.keras` files and checkpoints."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import checkpoints, networks


def image_gan(ema_decay=0.9, **kwargs):
    """A tiny DCGAN on 8×8 images: batch norm in G, so the average has statistics to carry too."""
    gan = keras_gan.GAN(networks.dcgan_generator(4, (8, 8, 1), base_filters=4, seed=0),
                        networks.dcgan_discriminator((8, 8, 1), base_filters=4, seed=1),
                        seed=0, ema_decay=ema_decay, **kwargs)
    gan.compile(jit_compile=True)
    return gan


IMAGES = np.random.default_rng(0).uniform(size=(64, 8, 8, 1)).astype("float32")


def test_each_generator_update_moves_the_average_by_one_minus_decay():
    gan = image_gan(ema_decay=0.9)
    before = [w.numpy() for w in gan.generator.weights]
    averaged_before = [w.numpy() for w in gan.ema_generator.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, averaged_before))  # it starts at G's weights
    gan.fit(IMAGES, batch_size=64, epochs=1, verbose=0)  # one step
    for raw, average, start in zip(gan.generator.weights, gan.ema_generator.weights, before):
        expected = 0.9 * start + 0.1 * raw.numpy() if raw.trainable else raw.numpy()
        np.testing.assert_allclose(average.numpy(), expected, rtol=1e-5, atol=1e-7, err_msg=raw.path)
    moving = [w for w in gan.generator.weights if "moving" in w.path]
    assert moving, "the test needs batch-norm statistics"


def test_the_average_samples_and_the_raw_generator_stays_reachable():
    gan = image_gan()
    gan.fit(IMAGES, batch_size=16, epochs=2, verbose=0)
    z = gan.sample_noise(8, seed=3)
    averaged = gan.ema_generator(z).numpy()
    raw = gan.generator(z).numpy()
    assert not np.allclose(averaged, raw)
    np.testing.assert_allclose(gan.generate(8, seed=3), averaged, atol=1e-6)
    np.testing.assert_allclose(gan.generate(8, seed=3, use_ema=False), raw, atol=1e-6)
    np.testing.assert_allclose(gan(z).numpy(), averaged, atol=1e-6)
    assert gan.sampling_generator is gan.ema_generator
    # The trained weights are never overwritten by the average (what Keras's optimizer use_ema would do).
    pairs = [(a, b) for a, b in zip(gan.generator.weights, gan.ema_generator.weights) if a.trainable]
    assert pairs and not any(np.array_equal(a.numpy(), b.numpy()) for a, b in pairs)


def test_the_average_is_not_trained_by_the_optimizer():
    gan = image_gan()
    ema_ids = {id(v) for v in gan.ema_generator.weights}
    assert not ema_ids & {id(v) for v in gan.g_optimizer.variables}
    assert not ema_ids & {id(v) for v in gan.generator.trainable_variables}


def test_keras_file_keeps_the_average_and_its_decay(tmp_path):
    gan = image_gan(ema_decay=0.95)
    gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ema_decay == 0.95
    for a, b in zip(gan.ema_generator.weights, loaded.ema_generator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded.generate(4, seed=1), gan.generate(4, seed=1), atol=1e-6)


def test_a_checkpoint_restores_the_average(tmp_path):
    gan = image_gan()
    gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
    checkpoints.Checkpointer(gan, str(tmp_path)).save(1, {})
    other = image_gan()
    checkpoints.Checkpointer(other, str(tmp_path)).restore_latest()
    for a, b in zip(gan.ema_generator.weights, other.ema_generator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_export_serves_the_average(tmp_path):
    gan = image_gan()
    gan.fit(IMAGES, batch_size=16, epochs=2, verbose=0)
    path = keras_gan.export.export_generator(gan, str(tmp_path / "export"), outputs="vectors", warmup=False)
    served = tf.saved_model.load(path).signatures["sample"]
    samples = served(num_samples=tf.constant(4, tf.int32), seed=tf.constant(5, tf.int64))["samples"].numpy()
    np.testing.assert_allclose(samples, gan.generate(4, seed=5), atol=1e-5)
    assert not np.allclose(samples, gan.generate(4, seed=5, use_ema=False), atol=1e-5)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5, "0.9", True])
def test_decay_outside_the_open_unit_interval_is_refused(decay):
    with pytest.raises(ValueError, match="ema_decay must be a float in"):
        image_gan(ema_decay=decay)


def test_keras_file_keeps_the_loss_family_and_penalties(tmp_path):
    gan = image_gan()
    gan.compile(generator_loss="hinge", gradient_penalty=10.0, r1_penalty=0.5, r1_interval=4, jit_compile=True)
    gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.discriminator_loss_fn is keras_gan.losses.hinge_discriminator_loss
    assert loaded.generator_loss_fn is keras_gan.losses.hinge_generator_loss
    assert (loaded.gradient_penalty, loaded.r1_penalty, loaded.r1_interval) == (10.0, 0.5, 4)
    history = loaded.fit(IMAGES, batch_size=16, epochs=1, verbose=0)  # and it trains on
    assert all(np.isfinite(v).all() for v in history.history.values())
