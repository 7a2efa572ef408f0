"""The fast GAN step computes what the plain one does: XLA or not, one D pass or two, steps_per_execution, dropout."""

import math
import os
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import weights_of

import keras_gan
from keras_gan import networks
from keras_gan.networks import HashDropout, Maxout, acts_per_example

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import gan_step  # noqa: E402

LATENT, DIM, M = 8, 16, 10


def small_paper_discriminator(input_keep=0.8, hidden_keep=0.5, seed=1):
    """The paper's discriminator (dropout -> maxout, twice, dropout -> logit), small, with HashDropout."""
    x = keras.Input((DIM,))
    h, keep = x, input_keep
    for i in range(2):
        h = HashDropout(1 - keep, seed=seed + 100 + i)(h)
        h = Maxout(6, 3, kernel_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=seed + i))(h)
        keep = hidden_keep
    h = HashDropout(1 - keep, seed=seed + 102)(h)
    init = keras.initializers.RandomUniform(-0.5, 0.5, seed=seed + 2)
    return keras.Model(x, keras.layers.Dense(1, kernel_initializer=init)(h))


def small_gan(d_steps=1, joint=True, dropout=True, jit_compile=False, steps_per_execution=1, seed=0):
    keep = (0.8, 0.5) if dropout else (1.0, 1.0)
    gan = keras_gan.GAN(
        networks.paper_generator(latent_dim=LATENT, output_shape=(DIM,), hidden_units=(32, 24), init_scale=0.3, seed=0),
        small_paper_discriminator(*keep),
        d_steps=d_steps,
        seed=seed,
        joint_discriminator_pass=joint,
    )
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
    return gan


def train(gan, steps=8, d_steps=1):
    data = np.random.default_rng(3).uniform(size=(steps * d_steps * M, DIM)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(d_steps * M, drop_remainder=True)
    history = gan.fit(dataset, epochs=1, verbose=0)
    return {key: values[-1] for key, values in history.history.items()}, weights_of(gan)


def assert_same_training(a, b, rtol, atol):
    (losses_a, weights_a), (losses_b, weights_b) = a, b
    for key in losses_a:
        np.testing.assert_allclose(losses_a[key], losses_b[key], rtol=rtol, atol=atol, err_msg=key)
    for wa, wb in zip(weights_a, weights_b):
        np.testing.assert_allclose(wa, wb, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------------------------
# One D pass over [real; fake]: chosen from D's layers, and the same maths
# ---------------------------------------------------------------------------------------------------------------


def test_one_d_pass_only_when_every_layer_maps_examples_independently():
    assert acts_per_example(small_paper_discriminator())
    assert acts_per_example(networks.dcgan_discriminator(base_filters=4))
    assert acts_per_example(networks.mlp_discriminator(2))
    # Batch norm normalises over the batch: D([a; b]) != [D(a); D(b)].
    assert not acts_per_example(networks.dcgan_generator(latent_dim=4, base_filters=4))
    # A raw op over the batch axis (minibatch statistics) inside a functional model.
    x = keras.Input((4,))
    assert not acts_per_example(keras.Model(x, keras.layers.Dense(1)(x - keras.ops.mean(x, axis=0))))
    # A subclassed model could do anything in call().
    class Custom(keras.Model):
        def call(self, x):
            return x

    assert not acts_per_example(Custom())
    # keras.layers.Dropout: per-example maths, but its Philox masks make the doubled XLA step slow on CPU.
    assert not acts_per_example(networks.paper_discriminator(units=4, pieces=2))


def test_the_joint_pass_is_a_saved_choice_and_the_registry_makes_it():
    assert not keras_gan.GAN(networks.mlp_generator(2, 2), networks.mlp_discriminator(2)).joint_discriminator_pass
    gan = small_gan(joint=True)
    assert keras_gan.GAN.from_config(gan.get_config()).joint_discriminator_pass
    config = keras_gan.configs.get_config("paper_fashion_mnist")
    # The paper's D (HashDropout, maxout) acts per example: one pass; DCGAN's convolutions ran slower doubled.
    assert networks.get_architecture("paper").build(config, (28, 28, 1), None)[2]
    assert not networks.get_architecture("dcgan").build(config, (28, 28, 1), None)[2]


@pytest.mark.parametrize("d_steps", [1, 2])
def test_one_d_pass_and_two_d_passes_train_identically(d_steps):
    # Without dropout the two are the same function of the same noise: only float rounding may differ.
    joint = train(small_gan(d_steps, joint=True, dropout=False), d_steps=d_steps)
    separate = train(small_gan(d_steps, joint=False, dropout=False), d_steps=d_steps)
    assert_same_training(joint, separate, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# XLA, steps_per_execution, seeds: the fast path with dropout on
# ---------------------------------------------------------------------------------------------------------------


def test_xla_and_plain_graph_train_identically_with_dropout():
    # HashDropout's masks are the same bits with and without XLA, so the whole step is.
    plain = train(small_gan(jit_compile=False))
    xla = train(small_gan(jit_compile=True))
    assert_same_training(plain, xla, rtol=1e-4, atol=1e-5)


def test_steps_per_execution_four_trains_like_one():
    one = train(small_gan())
    four = train(small_gan(steps_per_execution=4))
    assert_same_training(one, four, rtol=1e-5, atol=1e-6)


def test_same_seed_same_weights_and_another_seed_differs():
    a, b = train(small_gan()), train(small_gan())
    assert_same_training(a, b, rtol=0, atol=0)
    assert not np.allclose(train(small_gan(seed=1))[1][0], a[1][0])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_fast_path_keeps_losses_finite(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        gan = small_gan(jit_compile=True)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
    losses, weights = train(gan)
    assert all(math.isfinite(v) for v in losses.values())
    assert all(np.isfinite(w).all() for w in weights)


# ---------------------------------------------------------------------------------------------------------------
# HashDropout is keras.layers.Dropout's maths
# ---------------------------------------------------------------------------------------------------------------


def test_hash_dropout_keeps_each_element_independently_with_probability_one_minus_rate():
    layer = HashDropout(0.2, seed=0)
    x = np.ones((400, 500), "float32")
    y = np.asarray(layer(x, training=True))
    kept = y != 0
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.8)}
    assert kept.mean() == pytest.approx(0.8, abs=0.003)
    # Rows (examples) and columns (units) are uncorrelated, and each call draws a new mask.
    rows = np.corrcoef(kept[:200].reshape(-1), kept[200:].reshape(-1))[0, 1]
    cols = np.corrcoef(kept[:, :-1].reshape(-1), kept[:, 1:].reshape(-1))[0, 1]
    assert abs(rows) < 0.01 and abs(cols) < 0.01
    assert (np.asarray(layer(x, training=True)) != y).any()
    np.testing.assert_array_equal(layer(x, training=False), x)


def test_hash_dropout_masks_are_identical_with_and_without_xla():
    def masks(jit_compile):
        layer = HashDropout(0.5, seed=3)
        fn = tf.function(lambda x: layer(x, training=True), jit_compile=jit_compile)
        return [np.asarray(fn(tf.ones((64, 32)))) for _ in range(3)]

    for a, b in zip(masks(False), masks(True)):
        np.testing.assert_array_equal(a, b)


def test_hash_dropout_config_round_trip_and_bad_rate():
    layer = HashDropout(0.3, seed=5, name="drop")
    clone = HashDropout.from_config(layer.get_config())
    assert (clone.rate, clone.seed, clone.name) == (0.3, 5, "drop")
    with pytest.raises(ValueError, match="rate.*\\[0, 1\\)"):
        HashDropout(1.0)


def test_saved_gan_with_hash_dropout_continues_like_the_original(tmp_path):
    # The masks' stream states are weights (`mask_state`), saved, so training resumes on the same masks.
    gan = small_gan()
    train(gan)
    gan.save(str(tmp_path / "gan.keras"))
    loaded = keras.models.load_model(str(tmp_path / "gan.keras"))
    assert_same_training(train(gan), train(loaded), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------------------
# The benchmark's FLOP count is what XLA computes
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("d_steps", [1, 2])
def test_flop_count_matches_the_dots_xla_compiles(d_steps):
    gan = small_gan(d_steps)
    g_kernels, d_kernels = gan_step.kernels(gan.generator), gan_step.kernels(gan.discriminator)
    counted = gan_step.mlp_step_flops(g_kernels, d_kernels, M, d_steps)[2]
    compiled = gan_step.hlo_dot_flops(gan_step.compiled_step_hlo(gan, tf.zeros((d_steps * M, DIM))))
    # XLA turns the rank-1 products of the logit layer's input gradient into multiplies (2 x 6 FLOPs per row).
    rank_one = 2 * 6 * ((2 * M) * d_steps + M)
    assert compiled == counted - rank_one


def test_the_benchmarks_matmul_list_adds_up_to_the_flop_count():
    g_kernels, d_kernels = [(100, 1200), (1200, 1200), (1200, 784)], [(784, 1200), (240, 1200), (240, 1)]
    for k in (1, 5):
        shapes = gan_step.step_matmuls(g_kernels, d_kernels, 100, k)
        assert sum(2 * r * c * n for r, c, n in shapes) == gan_step.mlp_step_flops(g_kernels, d_kernels, 100, k)[2]
