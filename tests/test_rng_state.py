"""The one shim over a Keras convention: random-stream states that Keras itself does not save.

If a Keras release changes where `SeedGenerator` states live, these tests fail loudly, before a resumed run can
silently continue on other dropout masks.
"""

import keras
import numpy as np

import keras_gan
from keras_gan import rng_state


def _dropout_gan():
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dropout(0.5, seed=1), keras.layers.Dense(1)])
    gan = keras_gan.GAN(keras_gan.networks.mlp_generator(2, 2, seed=0), discriminator, latent_dim=2, seed=0)
    gan.compile(jit_compile=False)
    return gan


def test_keras_keeps_seed_states_outside_the_weights():
    # The convention the shim relies on: `variables` lists the state, `weights` does not.
    layer = keras.layers.Dropout(0.5, seed=1)
    assert len(layer.variables) == 1 and not layer.weights
    assert "seed_generator" in layer.variables[0].path


def test_seed_states_are_keyed_by_position_in_the_model_tree():
    assert list(rng_state.seed_states(_dropout_gan())) == ["rng.1.0"]
    # The package's own layers keep their streams in weights, so the shim finds nothing there.
    assert rng_state.seed_states(keras_gan.networks.paper_discriminator(units=4, pieces=2, fast_dropout=True)) == {}


def test_dropout_streams_survive_a_keras_file(tmp_path):
    gan = _dropout_gan()
    gan.fit(np.random.default_rng(0).normal(size=(64, 2)).astype("float32"), epochs=1, batch_size=32, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    (state,) = rng_state.seed_states(gan).values()
    (loaded_state,) = rng_state.seed_states(loaded).values()
    np.testing.assert_array_equal(np.asarray(state), np.asarray(loaded_state))
    assert np.asarray(state)[1] > 0  # the stream advanced during training, and that is what was saved
    np.testing.assert_array_equal(np.asarray(gan.noise_state), np.asarray(loaded.noise_state))
