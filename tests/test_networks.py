"""The paper's networks have the paper's shapes, initialisation and dropout; all networks serialize."""

import keras
import numpy as np
import pytest

from keras_gan import networks


def test_paper_generator_matches_the_paper():
    g = networks.paper_generator(seed=0)
    assert g.input_shape == (None, 100)
    dense = [layer for layer in g.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [1200, 1200, 784]
    assert [d.activation.__name__ for d in dense] == ["relu", "relu", "sigmoid"]
    for d in dense:
        assert np.abs(d.kernel.numpy()).max() <= 0.05
        assert np.abs(d.kernel.numpy()).max() > 0.04  # uniform on ±0.05, not a narrower init


def test_generator_output_bias_comes_from_the_data_marginals():
    images = np.random.default_rng(0).uniform(0, 1, (50, 784)).astype("float32") ** 3
    g = networks.paper_generator(output_bias=networks.output_bias_from_data(images), hidden_units=(8, 8))
    bias = g.get_layer("x").bias.numpy()
    np.testing.assert_allclose(1 / (1 + np.exp(-bias)), np.clip(images.mean(0), 1e-3, 1 - 1e-3), rtol=1e-4)


def test_paper_discriminator_matches_the_paper():
    d = networks.paper_discriminator(seed=0)
    maxouts = [layer for layer in d.layers if isinstance(layer, networks.Maxout)]
    assert [(m.units, m.pieces) for m in maxouts] == [(240, 5), (240, 5)]
    drops = [layer.rate for layer in d.layers if isinstance(layer, keras.layers.Dropout)]
    np.testing.assert_allclose(drops, [0.2, 0.5, 0.5])  # keep 0.8 on inputs, 0.5 on hidden units
    for m in maxouts:
        assert np.abs(m.kernel.numpy()).max() <= 0.005
    assert d.output_shape == (None, 1)


def test_discriminator_dropout_is_active_only_in_training():
    d = networks.paper_discriminator(seed=0)
    x = np.random.default_rng(0).uniform(size=(4, 784)).astype("float32")
    np.testing.assert_array_equal(d(x, training=False), d(x, training=False))
    assert not np.allclose(d(x, training=True), d(x, training=True))


def test_maxout_takes_the_max_over_pieces():
    layer = networks.Maxout(2, 3, kernel_initializer="ones")
    layer.build((None, 1))
    layer.bias.assign(np.array([0, 5, 1, -1, -2, -3], "float32"))  # unit 0: pieces 0..2, unit 1: pieces 3..5
    np.testing.assert_allclose(layer(np.array([[1.0]], "float32")), [[6.0, 0.0]])


def test_maxout_rejects_bad_sizes():
    with pytest.raises(ValueError, match="pieces must be a positive int"):
        networks.Maxout(4, 0)


@pytest.mark.parametrize(
    "factory",
    [
        lambda: networks.paper_discriminator(units=8, pieces=2, seed=1),
        lambda: networks.paper_generator(latent_dim=4, hidden_units=(8,), output_shape=(4, 4, 1), seed=1),
        lambda: networks.dcgan_generator(latent_dim=4, base_filters=4, seed=1),
        lambda: networks.dcgan_discriminator(base_filters=4, seed=1),
        lambda: networks.mlp_generator(2, 2, seed=1),
        lambda: networks.mlp_discriminator(2, seed=1),
    ],
)
def test_networks_round_trip_through_keras_files(factory, tmp_path):
    model = factory()
    path = str(tmp_path / "net.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(0).uniform(size=(3, *model.input_shape[1:])).astype("float32")
    np.testing.assert_allclose(loaded(x), model(x), rtol=1e-5, atol=1e-6)


def test_dcgan_networks_fit_together():
    g = networks.dcgan_generator(latent_dim=8, output_shape=(32, 32, 3), base_filters=4)
    d = networks.dcgan_discriminator(input_shape=(32, 32, 3), base_filters=4)
    assert d(g(np.zeros((2, 8), "float32"))).shape == (2, 1)


def test_dcgan_rejects_shapes_it_cannot_build():
    with pytest.raises(ValueError, match="divisible by 4"):
        networks.dcgan_generator(output_shape=(30, 30, 1))


def test_fast_dropout_discriminator_has_the_papers_rates_and_acts_per_example():
    d = networks.paper_discriminator(units=8, pieces=2, seed=0, fast_dropout=True)
    rates = [layer.rate for layer in d.layers if isinstance(layer, networks.HashDropout)]
    np.testing.assert_allclose(rates, [0.2, 0.5, 0.5])
    assert networks.acts_per_example(d)
