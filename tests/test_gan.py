"""GAN: Algorithm 1 as a Keras train_step, and the API around it."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import toy_gan, weights_of

import keras_gan
from keras_gan import networks
from keras_gan.data import toy


def _batches(data, batch):
    return tf.data.Dataset.from_tensor_slices(np.asarray(data, "float32")).batch(batch, drop_remainder=True)


# ---------------------------------------------------------------------------------------------------------------
# Algorithm 1
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3])
def test_one_step_makes_k_discriminator_updates_and_one_generator_update(k):
    gan = toy_gan(d_steps=k)
    gan.fit(_batches(np.ones((8 * k, 2)), 8 * k), epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations) == k
    assert int(gan.g_optimizer.iterations) == 1


class _RecordingGAN(keras_gan.GAN):
    """Records what each discriminator update sees (eager only)."""

    def _discriminator_step(self, real, real_labels, m):
        self.seen.append(np.array(real))
        return super()._discriminator_step(real, real_labels, m)

    def _noise(self, n, seed=None):
        z = super()._noise(n, seed)
        self.noise_seen.append(np.array(z))
        return z


def test_each_discriminator_update_sees_its_own_minibatch_and_fresh_noise():
    k, m = 3, 4
    gan = _RecordingGAN(networks.mlp_generator(2, 2), networks.mlp_discriminator(2), d_steps=k, seed=0)
    gan.seen, gan.noise_seen = [], []
    gan.compile()
    batch = np.arange(k * m * 2, dtype="float32").reshape(k * m, 2)
    gan.train_step(tf.constant(batch))
    assert len(gan.seen) == k
    for i, real in enumerate(gan.seen):
        np.testing.assert_array_equal(real, batch[i * m : (i + 1) * m])
    # k discriminator updates and 1 generator update, each with m fresh noise vectors.
    assert [z.shape for z in gan.noise_seen] == [(m, 2)] * (k + 1)
    assert len({z.tobytes() for z in gan.noise_seen}) == k + 1


def test_discriminator_update_ascends_v_and_generator_update_follows_its_loss():
    gan = toy_gan(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    x = tf.constant(toy.sample_gaussian_1d(64, seed=1).repeat(2, axis=1))
    z = gan.sample_noise(64, seed=2)

    def value():
        return float(keras_gan.losses.value_function(gan.discriminator(x), gan.discriminator(gan.generator(z))))

    before = value()
    # One D update only: freeze G by giving it a zero learning rate.
    gan.g_optimizer.learning_rate.assign(0.0)
    for _ in range(5):
        gan.train_step(x)
    assert value() > before


def test_noise_prior_defaults_to_the_papers_unit_variance_uniform():
    gan = toy_gan(latent_dim=100, compile=False)
    z = gan.sample_noise(20_000, seed=0).numpy()
    assert gan.noise == "uniform" and gan.noise_scale == pytest.approx(math.sqrt(3))
    assert z.min() >= -math.sqrt(3) and z.max() <= math.sqrt(3)
    assert z.var() == pytest.approx(1.0, abs=0.01)


def test_normal_prior():
    gan = keras_gan.GAN(networks.mlp_generator(8, 2), networks.mlp_discriminator(2), noise="normal", seed=0)
    z = gan.sample_noise(20_000, seed=0).numpy()
    assert z.mean() == pytest.approx(0, abs=0.01) and z.std() == pytest.approx(1, abs=0.01)


def test_metrics_in_history():
    gan = toy_gan()
    history = gan.fit(toy.ring_dataset(batch_size=32, num_examples=320), epochs=2, verbose=0)
    assert sorted(history.history) == ["d_fake", "d_loss", "d_real", "g_loss"]
    for value in history.history["d_real"] + history.history["d_fake"]:
        assert 0 < value < 1


def test_same_seed_same_training():
    runs = []
    for _ in range(2):
        gan = toy_gan(seed=3)
        gan.fit(toy.ring_dataset(batch_size=32, num_examples=320, seed=1), epochs=1, verbose=0)
        runs.append(weights_of(gan))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------------------------
# Compilation options
# ---------------------------------------------------------------------------------------------------------------


def _train(jit_compile, steps_per_execution=1, d_steps=1):
    gan = toy_gan(seed=5, d_steps=d_steps, jit_compile=jit_compile, steps_per_execution=steps_per_execution)
    # A few steps only: GAN dynamics amplify float rounding differences (XLA fuses ops) over long runs.
    history = gan.fit(toy.ring_dataset(batch_size=32, d_steps=d_steps, num_examples=320, seed=2), epochs=2, verbose=0)
    return history.history, weights_of(gan)


@pytest.mark.parametrize("d_steps", [1, 2])
def test_xla_and_plain_graph_give_the_same_training(d_steps):
    plain_history, plain_weights = _train(jit_compile=False, d_steps=d_steps)
    xla_history, xla_weights = _train(jit_compile=True, d_steps=d_steps)
    for key in plain_history:
        np.testing.assert_allclose(plain_history[key], xla_history[key], rtol=1e-3, atol=1e-4)
    for a, b in zip(plain_weights, xla_weights):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_steps_per_execution_gives_the_same_training():
    one_history, one_weights = _train(jit_compile=True)
    many_history, many_weights = _train(jit_compile=True, steps_per_execution=4)
    for key in one_history:
        np.testing.assert_allclose(one_history[key], many_history[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(one_weights, many_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# The paper's claims on toy data
# ---------------------------------------------------------------------------------------------------------------


def test_training_moves_p_g_onto_p_data_and_d_settles_at_one_half():
    # Figure 1: 1-D Gaussian data N(4, 0.5²), uniform z. At the optimum p_g = p_data and D = 1/2. The paper's
    # argument assumes D near its optimum for the current G (Figure 1b); k = 5 discriminator updates per generator
    # update give that, and decaying learning rates let the game settle instead of orbiting the optimum. (Measured
    # over seeds 0-3: mean 3.99-4.02, std 0.53-0.62, mean D(x) 0.499-0.505; with k = 1 the std wandered 0.3-0.9.)
    k, epochs, steps_per_epoch = 5, 30, 100
    keras.utils.set_random_seed(0)
    gan = keras_gan.GAN(
        networks.mlp_generator(1, 1, hidden_units=(32, 32), seed=0),
        networks.mlp_discriminator(1, hidden_units=(32, 32), seed=1),
        latent_dim=1,
        d_steps=k,
        seed=0,
    )

    def adam(updates):
        return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(2e-3, updates, alpha=0.02), beta_1=0.5)

    gan.compile(d_optimizer=adam(k * epochs * steps_per_epoch), g_optimizer=adam(epochs * steps_per_epoch),
                jit_compile=True)
    gan.fit(toy.gaussian_1d_dataset(batch_size=64, d_steps=k, num_examples=64 * k * steps_per_epoch),
            epochs=epochs, verbose=0)
    samples = gan.generate(10_000, seed=1)
    assert samples.mean() == pytest.approx(4.0, abs=0.1)
    assert samples.std() == pytest.approx(0.5, abs=0.15)
    data = toy.sample_gaussian_1d(10_000, seed=2)
    d_on_data = keras.ops.sigmoid(gan.discriminator(data)).numpy()
    assert d_on_data.mean() == pytest.approx(0.5, abs=0.05)


def test_non_saturating_gan_covers_most_modes_of_the_ring():
    gan = keras_gan.GAN(
        networks.mlp_generator(8, 2, hidden_units=(128, 128), seed=0),
        networks.mlp_discriminator(2, hidden_units=(128, 128), seed=1),
        latent_dim=8,
        noise="normal",
        seed=0,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        generator_loss="non_saturating",
        jit_compile=True,
    )
    gan.fit(toy.ring_dataset(batch_size=100, num_examples=20_000), epochs=15, verbose=0)
    report = keras_gan.metrics.mode_coverage(gan.generate(2500, seed=0), toy.ring_modes(), toy.RING_STDDEV)
    print(f"ring: {report['modes_covered']}/8 modes covered, high-quality share {report['high_quality_share']:.2f}")
    assert report["modes_covered"] >= 6


# ---------------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------------


def test_keras_file_round_trip_resumes_training_with_the_gan_step(tmp_path):
    gan = toy_gan(d_steps=2, generator_loss="minimax", jit_compile=True)
    data = toy.ring_dataset(batch_size=16, d_steps=2, num_examples=320)
    gan.fit(data, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)

    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras_gan.GAN)
    assert loaded.d_steps == 2 and loaded.generator_loss_fn is keras_gan.losses.minimax_generator_loss
    for a, b in zip(weights_of(gan), weights_of(loaded)):
        np.testing.assert_array_equal(a, b)
    # Optimizer state (iterations, Adam moments) came back, and fit() runs the GAN step: k D-updates per G-update.
    assert int(loaded.d_optimizer.iterations) == 20 and int(loaded.g_optimizer.iterations) == 10
    history = loaded.fit(data, epochs=1, verbose=0)
    assert "g_loss" in history.history
    assert int(loaded.d_optimizer.iterations) == 40 and int(loaded.g_optimizer.iterations) == 20


def test_loaded_gan_continues_exactly_like_the_original(tmp_path):
    x = toy.sample_mixture(160, toy.ring_modes(), toy.RING_STDDEV)
    gan = toy_gan()
    gan.fit(_batches(x, 16), epochs=1, verbose=0)
    gan.save(str(tmp_path / "gan.keras"))
    loaded = keras.models.load_model(str(tmp_path / "gan.keras"))
    gan.fit(_batches(x, 16), epochs=1, verbose=0)
    loaded.fit(_batches(x, 16), epochs=1, verbose=0)
    for a, b in zip(weights_of(gan), weights_of(loaded)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_get_config_round_trips():
    gan = keras_gan.GAN(
        networks.paper_generator(latent_dim=4, hidden_units=(8,)),
        networks.paper_discriminator(units=4, pieces=2),
        d_steps=3,
        noise="normal",
        noise_scale=0.5,
        seed=7,
    )
    config = gan.get_config()
    clone = keras_gan.GAN.from_config(config)
    assert clone.get_config() == config
    assert (clone.latent_dim, clone.d_steps, clone.noise, clone.noise_scale, clone.seed) == (4, 3, "normal", 0.5, 7)


def test_generate_and_call():
    gan = toy_gan(compile=False)
    samples = gan.generate(10, seed=4)
    assert samples.shape == (10, 2)
    np.testing.assert_array_equal(samples, gan.generate(10, seed=4))
    np.testing.assert_allclose(gan(gan.sample_noise(3, seed=1)), gan.generator(gan.sample_noise(3, seed=1)))


# ---------------------------------------------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("d_steps", [0, -1, 1.5])
def test_rejects_k_below_one(d_steps):
    with pytest.raises(ValueError, match="d_steps must be a positive int.*discriminator updates per generator update"):
        keras_gan.GAN(networks.mlp_generator(2, 2), networks.mlp_discriminator(2), d_steps=d_steps)


def test_rejects_latent_size_below_one():
    with pytest.raises(ValueError, match="latent_dim must be a positive int"):
        keras_gan.GAN(networks.mlp_generator(2, 2), networks.mlp_discriminator(2), latent_dim=0)


def test_rejects_generator_output_the_discriminator_cannot_take():
    with pytest.raises(ValueError, match="(?s)discriminator cannot take the generator.s output.*Reshape"):
        keras_gan.GAN(networks.mlp_generator(2, 3), networks.mlp_discriminator(2))


def test_rejects_latent_size_the_generator_cannot_take():
    with pytest.raises(ValueError, match="generator cannot take latent vectors of size latent_dim=5"):
        keras_gan.GAN(networks.mlp_generator(2, 2), networks.mlp_discriminator(2), latent_dim=5)


def test_rejects_a_discriminator_without_one_logit_per_example():
    bad = keras.Sequential([keras.Input((2,)), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match="one logit per example.*Dense\\(1\\)"):
        keras_gan.GAN(networks.mlp_generator(2, 2), bad)


def test_rejects_a_discriminator_that_outputs_probabilities():
    bad = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    with pytest.raises(ValueError, match="logits.*Remove the final activation"):
        keras_gan.GAN(networks.mlp_generator(2, 2), bad)


def test_rejects_unknown_loss_names():
    gan = toy_gan(compile=False)
    with pytest.raises(ValueError, match="Unknown generator_loss 'relativistic'"):
        gan.compile(generator_loss="relativistic")
    with pytest.raises(ValueError, match="Unknown discriminator_loss"):
        gan.compile(discriminator_loss="relativistic")


def test_rejects_one_optimizer_for_both_players():
    gan = toy_gan(compile=False)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="same object"):
        gan.compile(d_optimizer=opt, g_optimizer=opt)


def test_fit_rejects_batches_that_do_not_split_into_k_minibatches():
    gan = toy_gan(d_steps=3)
    with pytest.raises(ValueError, match="d_steps=3.*not a multiple of 3"):
        gan.fit(_batches(np.ones((40, 2)), 10), epochs=1, verbose=0)
    unbatched_size = tf.data.Dataset.from_tensor_slices(np.ones((40, 2), "float32")).batch(12)
    with pytest.raises(ValueError, match="drop_remainder=True"):
        gan.fit(unbatched_size, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="not a multiple of 3"):
        gan.fit(np.ones((40, 2), "float32"), batch_size=10, epochs=1, verbose=0)
