"""The discriminator's gradient regularisers: WGAN-GP and R1 equal their definitions on discriminators whose input
gradients are known in closed form, stay finite where a naive norm is NaN, and run inside the compiled k+1 step."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_gan
from keras_gan import noise, penalties
from conftest import toy_gan


class HalfSquaredNorm(keras.layers.Layer):
    """D(x) = ½‖x‖² (times a trainable scale): ∇ₓD = scale·x."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, x):
        return 0.5 * self.scale * ops.sum(ops.square(x), axis=-1, keepdims=True)


def linear_critic(weights):
    """D(x) = w·x + 1: ∇ₓD = w everywhere."""
    weights = np.asarray(weights, "float32")
    layer = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(weights[:, None]),
                               bias_initializer="ones")
    return keras.Sequential([keras.Input((len(weights),)), layer])


def quadratic_critic(dim):
    return keras.Sequential([keras.Input((dim,)), HalfSquaredNorm()])


REAL = np.array([[1.0, 2.0], [0.0, -3.0], [0.5, 0.5]], "float32")
FAKE = np.array([[0.0, 0.0], [2.0, 1.0], [-1.0, 4.0]], "float32")


def test_gradient_penalty_of_a_linear_critic_is_its_squared_distance_from_unit_slope():
    # ‖∇D‖ = ‖(3, 4)‖ = 5 at every interpolate, whatever α: (5 - 1)² = 16.
    alpha = noise.sample_unit_uniform((3,), [0, 0])
    value = penalties.gradient_penalty(linear_critic([3.0, 4.0]), REAL, FAKE, alpha)
    assert float(value) == pytest.approx(16.0, rel=1e-5)
    assert float(penalties.gradient_penalty(linear_critic([0.6, 0.8]), REAL, FAKE, alpha)) == pytest.approx(0, abs=1e-6)


def test_gradient_penalty_is_taken_at_the_interpolates_between_data_and_samples():
    # ∇(½‖x‖²) = x̂ = αx + (1 - α)x̃, so the penalty is mean((‖x̂‖ - 1)²).
    alpha = np.array([1.0, 0.0, 0.25], "float32")
    between = alpha[:, None] * REAL + (1 - alpha[:, None]) * FAKE
    expected = np.mean((np.linalg.norm(between, axis=1) - 1) ** 2)
    value = penalties.gradient_penalty(quadratic_critic(2), REAL, FAKE, alpha)
    assert float(value) == pytest.approx(expected, rel=1e-5)


def test_gradient_penalty_has_a_finite_gradient_where_the_critic_is_flat():
    # A zero input gradient is where sqrt(‖g‖²) has an infinite derivative: published code got NaN there.
    critic = linear_critic([0.0, 0.0])
    with tf.GradientTape() as tape:
        value = penalties.gradient_penalty(critic, REAL, FAKE, np.full(3, 0.5, "float32"))
    grads = tape.gradient(value, critic.trainable_variables)
    assert float(value) == pytest.approx(1.0, abs=1e-5)
    assert all(np.isfinite(g.numpy()).all() for g in grads if g is not None)


def test_interpolation_weights_are_uniform_on_the_unit_interval():
    # Uniform, not normal: every interpolate lies on the segment between a data point and a sample.
    alpha = noise.sample_unit_uniform((20_000,), [3, 7]).numpy()
    assert alpha.min() >= 0 and alpha.max() < 1
    counts, _ = np.histogram(alpha, bins=10, range=(0, 1))
    assert counts.min() > 0.9 * 2000 and counts.max() < 1.1 * 2000


def test_r1_penalty_is_the_mean_squared_input_gradient_on_data():
    # ∇(½‖x‖²) = x: R1 = mean ‖x‖².
    expected = np.mean(np.sum(REAL**2, axis=1))
    assert float(penalties.r1_penalty(quadratic_critic(2), REAL)) == pytest.approx(expected, rel=1e-6)
    assert float(penalties.r1_penalty(linear_critic([3.0, 4.0]), REAL)) == pytest.approx(25.0, rel=1e-6)


def test_penalties_train_the_discriminator_towards_them():
    # One SGD step on the penalty alone shrinks the critic's slope: d/dscale of (γ/2)·mean‖scale·x‖².
    critic = quadratic_critic(2)
    optimizer = keras.optimizers.SGD(0.01)
    before = float(penalties.r1_penalty(critic, REAL))
    with tf.GradientTape() as tape:
        value = penalties.r1_penalty(critic, REAL)
    optimizer.apply_gradients(zip(tape.gradient(value, critic.trainable_variables), critic.trainable_variables))
    assert float(penalties.r1_penalty(critic, REAL)) < before


def test_lazy_r1_applies_n_times_the_penalty_on_every_nth_update_and_nothing_between():
    gan = toy_gan(r1_penalty=2.0, r1_interval=4)
    real = tf.constant(REAL)
    exact = 0.5 * 2.0 * float(penalties.r1_penalty(gan.discriminator, real))
    for iteration, expected in ((0, 4 * exact), (1, 0.0), (3, 0.0), (4, 4 * exact)):
        gan.d_optimizer.iterations.assign(iteration)
        assert float(gan._penalties(real, None, tf.constant(FAKE), 3)) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("loss, weights", [("wasserstein", {"gradient_penalty": 10.0}),
                                           ("non_saturating", {"r1_penalty": 1.0, "r1_interval": 2})])
def test_penalised_steps_run_compiled_with_k_discriminator_updates(loss, weights):
    gan = toy_gan(d_steps=3, generator_loss=loss, jit_compile=True, **weights)
    data = np.random.default_rng(0).normal(size=(3 * 64 * 4, 2)).astype("float32")
    history = gan.fit(data, batch_size=3 * 64, epochs=2, verbose=0)
    assert all(np.isfinite(v).all() for v in history.history.values())
    assert int(gan.d_optimizer.iterations) == 3 * int(gan.g_optimizer.iterations) == 3 * 8


def test_the_gradient_penalty_drives_the_critic_towards_unit_slope():
    # WGAN-GP's defining effect: after training, the critic's input gradients at interpolates have norm near 1.
    gan = toy_gan(generator_loss="wasserstein", gradient_penalty=10.0, jit_compile=True, hidden=(64, 64))
    toy = keras_gan.data.toy
    data = np.asarray(toy.sample_mixture(4000, toy.ring_modes(), toy.RING_STDDEV, seed=0), "float32")
    gan.fit(data, batch_size=100, epochs=6, verbose=0)
    fake = gan.generate(500, seed=1)
    alpha = noise.sample_unit_uniform((500,), [1, 1]).numpy()[:, None]
    between = alpha * data[:500] + (1 - alpha) * fake
    norms = np.linalg.norm(penalties.input_gradients(gan.discriminator, tf.constant(between)).numpy(), axis=1)
    assert 0.6 < np.median(norms) < 1.4, np.median(norms)


def test_compile_rejects_negative_penalties_and_a_bad_interval():
    gan = toy_gan(compile=False)
    with pytest.raises(ValueError, match="gradient_penalty must be a weight >= 0"):
        gan.compile(gradient_penalty=-1.0)
    with pytest.raises(ValueError, match="r1_penalty must be a weight >= 0"):
        gan.compile(r1_penalty=float("nan"))
    with pytest.raises(ValueError, match="r1_interval"):
        gan.compile(r1_interval=0)
