"""The prior's noise is a pure function of the seed, the same under XLA, with the right moments."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan.noise import sample_prior


@pytest.mark.parametrize("prior", ["uniform", "normal"])
def test_noise_is_the_same_with_and_without_xla(prior):
    seed = tf.Variable([7, 3], dtype=tf.int64)  # a runtime seed, as SeedGenerator.next() gives in a train step
    draw = lambda: sample_prior((64, 100), seed + 0, prior)  # noqa: E731
    plain = tf.function(draw, jit_compile=False)().numpy()
    xla = tf.function(draw, jit_compile=True)().numpy()
    np.testing.assert_allclose(plain, xla, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(plain, sample_prior((64, 100), [7, 3], prior).numpy())


def test_uniform_prior_is_the_papers_unit_variance_uniform():
    z = sample_prior((2000, 100), [1, 2], "uniform").numpy()
    assert -math.sqrt(3) <= z.min() and z.max() <= math.sqrt(3)
    assert z.mean() == pytest.approx(0, abs=0.01) and z.var() == pytest.approx(1, abs=0.01)
    # Equal mass in each tenth of the interval.
    counts, _ = np.histogram(z, bins=10, range=(-math.sqrt(3), math.sqrt(3)))
    np.testing.assert_allclose(counts / z.size, 0.1, atol=0.003)


def test_normal_prior_has_gaussian_tails():
    z = sample_prior((2000, 100), [1, 2], "normal", scale=2.0).numpy() / 2.0
    assert z.mean() == pytest.approx(0, abs=0.01) and z.std() == pytest.approx(1, abs=0.01)
    assert (np.abs(z) > 2).mean() == pytest.approx(0.0455, abs=0.003)


def test_different_seeds_and_coordinates_are_uncorrelated():
    a = sample_prior((1000, 50), [1, 2]).numpy()
    b = sample_prior((1000, 50), [1, 3]).numpy()
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.01
    assert np.abs(np.corrcoef(a.T) - np.eye(50)).max() < 0.15


def test_unknown_prior_is_rejected():
    with pytest.raises(ValueError, match="Unknown noise prior 'cauchy'"):
        sample_prior((2, 2), [0, 0], "cauchy")
