"""Spectral normalisation in D (`keras.layers.SpectralNormalization`): it bounds every layer's largest singular
value by 1, runs in the compiled step and the joint [real; fake] pass, and its power-iteration state is saved."""

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import checkpoints, networks


def sn_gan(joint=False, d_steps=1, **compile_kwargs):
    gan = keras_gan.GAN(networks.dcgan_generator(4, (8, 8, 1), base_filters=4, seed=0),
                        networks.dcgan_discriminator((8, 8, 1), base_filters=4, spectral_norm=True, seed=1),
                        seed=0, joint_discriminator_pass=joint, d_steps=d_steps)
    compile_kwargs.setdefault("jit_compile", True)
    gan.compile(**compile_kwargs)
    return gan


IMAGES = np.random.default_rng(0).uniform(size=(128, 8, 8, 1)).astype("float32")


def normalised_layers(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.SpectralNormalization)]


def largest_singular_value(layer):
    kernel = layer.kernel.numpy()
    return np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]


def test_every_layer_of_the_discriminator_is_normalised():
    d = networks.dcgan_discriminator((8, 8, 1), base_filters=4, depth=2, spectral_norm=True)
    assert len(normalised_layers(d)) == 3  # two convolutions and the logit layer
    assert not normalised_layers(networks.dcgan_discriminator((8, 8, 1), base_filters=4))


@pytest.mark.parametrize("joint", [False, True])
def test_training_keeps_each_layers_spectral_norm_at_one(joint):
    # One power iteration per call: after some training calls σ(W) is 1 to a few percent, in either pass mode.
    gan = sn_gan(joint=joint, generator_loss="hinge")
    initial_u = [layer.vector_u.numpy().copy() for layer in normalised_layers(gan.discriminator)]
    history = gan.fit(IMAGES, batch_size=16, epochs=4, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    for layer, u in zip(normalised_layers(gan.discriminator), initial_u):
        assert largest_singular_value(layer) == pytest.approx(1.0, abs=0.05), layer.name
        assert not np.array_equal(layer.vector_u.numpy(), u)  # the power iteration ran inside the compiled step


def test_spectral_norm_composes_with_the_gradient_penalty_and_k_updates():
    gan = sn_gan(d_steps=2, generator_loss="wasserstein", gradient_penalty=10.0)
    history = gan.fit(IMAGES, batch_size=32, epochs=1, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())


def test_the_power_iteration_state_survives_keras_files_and_checkpoints(tmp_path):
    gan = sn_gan()
    gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
    saved_u = [layer.vector_u.numpy() for layer in normalised_layers(gan.discriminator)]

    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    for layer, u in zip(normalised_layers(loaded.discriminator), saved_u):
        np.testing.assert_array_equal(layer.vector_u.numpy(), u)

    checkpoints.Checkpointer(gan, str(tmp_path / "ckpt")).save(1, {})
    other = sn_gan()
    checkpoints.Checkpointer(other, str(tmp_path / "ckpt")).restore_latest()
    for layer, u in zip(normalised_layers(other.discriminator), saved_u):
        np.testing.assert_array_equal(layer.vector_u.numpy(), u)
