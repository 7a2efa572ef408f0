"""ConditionalGAN: the paper's Section 7 extension p(x | c), "adding c as input to both G and D".

Each test states one property of Algorithm 1 with labels, or of the API, on 8×8 images and tiny networks.
"""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import checkpoints, networks, train_lib
from keras_gan.callbacks import SampleGrid

C = 3
SHAPE = (8, 8, 1)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _nets(discriminator="projection", spectral_norm=False, seed=0):
    g = networks.conditional_generator(latent_dim=4, num_classes=C, output_shape=SHAPE, base_filters=4, seed=seed)
    build = networks.projection_discriminator if discriminator == "projection" else networks.concat_discriminator
    return g, build(SHAPE, num_classes=C, base_filters=4, spectral_norm=spectral_norm, seed=seed + 1)


def _gan(d_steps=1, compile=True, discriminator="projection", spectral_norm=False, gan_class=None, **kwargs):
    g, d = _nets(discriminator, spectral_norm)
    gan = (gan_class or keras_gan.ConditionalGAN)(g, d, num_classes=C, d_steps=d_steps, seed=0, **kwargs)
    if compile:
        gan.compile()
    return gan


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(n, *SHAPE)).astype("float32"), (np.arange(n) % C).astype("int64")


class _Recording(keras_gan.ConditionalGAN):
    """Records the labels each player is called with (eager only)."""

    def _critic(self, labels):
        critic = super()._critic(labels)

        def recorded(x, training=True):
            self.d_calls.append((np.array(x), None if labels is None else np.array(labels)))
            return critic(x, training=training)
        return recorded

    def _generator_inputs(self, z, labels):
        self.g_labels.append(np.array(labels))
        return super()._generator_inputs(z, labels)


def _recording(**kwargs):
    gan = _gan(gan_class=_Recording, **kwargs)
    gan.d_calls, gan.g_labels = [], []
    return gan


# ------------------------------------------------------------------------------------------------------------------
# Algorithm 1 with labels
# ------------------------------------------------------------------------------------------------------------------


def test_labels_reach_both_players_real_with_their_own_and_fakes_with_those_g_was_given():
    k, m = 2, 6
    gan = _recording(d_steps=k)
    images, labels = _data(k * m)
    gan.train_step((tf.constant(images), tf.constant(labels)))
    # k discriminator updates (a real and a fake pass each), then the generator update's fake pass.
    assert len(gan.d_calls) == 2 * k + 1 and len(gan.g_labels) == k + 1
    for i in range(k):
        (real_x, real_c), (_, fake_c) = gan.d_calls[2 * i], gan.d_calls[2 * i + 1]
        np.testing.assert_array_equal(real_x, images[i * m:(i + 1) * m])
        np.testing.assert_array_equal(real_c, labels[i * m:(i + 1) * m])
        np.testing.assert_array_equal(fake_c, gan.g_labels[i])
    np.testing.assert_array_equal(gan.d_calls[-1][1], gan.g_labels[-1])
    # Each update draws its own fake labels.
    assert len({c.tobytes() for c in gan.g_labels}) == k + 1


@pytest.mark.parametrize("discriminator", ["projection", "concat"])
def test_a_discriminator_that_sees_a_wrong_label_scores_differently(discriminator):
    _, d = _nets(discriminator)
    x = np.random.default_rng(1).uniform(size=(4, *SHAPE)).astype("float32")
    right = d([x, np.array([0, 1, 2, 0], "int32")])
    wrong = d([x, np.array([1, 2, 0, 1], "int32")])
    assert np.all(np.abs(np.asarray(right) - np.asarray(wrong)) > 1e-6)


def test_the_generator_output_depends_on_the_label():
    g, _ = _nets()
    z = np.zeros((2, 4), "float32")
    a = np.asarray(g([z, np.array([0, 0], "int32")]))
    b = np.asarray(g([z, np.array([1, 2], "int32")]))
    assert np.abs(a - b).max() > 1e-6


def test_data_label_distribution_gives_the_fakes_the_real_minibatch_labels():
    gan = _recording(label_distribution="data")
    images, labels = _data(12)
    gan.train_step((tf.constant(images), tf.constant(labels)))
    np.testing.assert_array_equal(gan.g_labels[0], labels)


@pytest.mark.parametrize("distribution, expected", [
    ("uniform", [1 / 3, 1 / 3, 1 / 3]),
    ([0.7, 0.2, 0.1], [0.7, 0.2, 0.1]),
    ([0.0, 1.0, 0.0], [0.0, 1.0, 0.0]),
])
def test_fake_labels_follow_the_label_distribution(distribution, expected):
    gan = _gan(label_distribution=distribution)
    draws = np.concatenate([np.asarray(gan._fake_labels(2000, None)) for _ in range(5)])
    assert draws.min() >= 0 and draws.max() < C
    np.testing.assert_allclose(np.bincount(draws, minlength=C) / len(draws), expected, atol=0.02)


@pytest.mark.parametrize("loss", sorted(keras_gan.losses.LOSSES))
def test_every_loss_family_and_both_penalties_train_compiled_with_spectral_norm_and_ema(loss):
    gan = _gan(d_steps=2, compile=False, spectral_norm=True, ema_decay=0.9)
    gan.compile(generator_loss=loss, gradient_penalty=1.0, r1_penalty=1.0, r1_interval=2, jit_compile=True)
    images, labels = _data(48)
    history = gan.fit(images, labels, batch_size=24, epochs=2, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())


def test_a_conditional_gan_learns_the_class_conditional_distribution():
    # Class 0: the top half lit; class 1: the bottom half; class 2: the left half.
    n = 600
    labels = np.arange(n) % C
    images = np.zeros((n, *SHAPE), "float32")
    images[labels == 0, :4] = 1.0
    images[labels == 1, 4:] = 1.0
    images[labels == 2, :, :4] = 1.0
    images = np.clip(images + np.random.default_rng(0).normal(0, 0.05, images.shape), 0, 1).astype("float32")
    gan = _gan(compile=False)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(2e-3, beta_1=0.5))
    gan.fit(images, labels, batch_size=30, epochs=12, verbose=0)
    top, bottom, left = (gan.generate(50, labels=c, seed=1).mean(axis=0)[..., 0] for c in range(C))
    assert top[:4].mean() > top[4:].mean() + 0.3
    assert bottom[4:].mean() > bottom[:4].mean() + 0.3
    assert left[:, :4].mean() > left[:, 4:].mean() + 0.3


# ------------------------------------------------------------------------------------------------------------------
# The API
# ------------------------------------------------------------------------------------------------------------------


def test_generate_asks_the_generator_for_the_requested_classes():
    gan = _gan()
    z = gan.sample_noise(5, seed=3)
    expected = gan.generator([z, tf.fill([5], 2)])
    np.testing.assert_allclose(gan.generate(5, labels=2, seed=3), expected, atol=1e-6)
    mix = gan.generator([z, tf.range(5) % C])
    np.testing.assert_allclose(gan.generate(5, seed=3), mix, atol=1e-6)
    np.testing.assert_allclose(gan.generate(5, labels=-1, seed=3), mix, atol=1e-6)
    np.testing.assert_allclose(gan.generate(5, labels=[0, 1, 2, 0, 1], seed=3), mix, atol=1e-6)


@pytest.mark.parametrize("labels, message", [
    (3, "Label 3 is outside the model's classes 0..2"),
    (-2, "Label -2 is outside"),
    ([0, 1], "holds 2 labels for num_samples=4"),
    (1.5, "labels must be None or -1"),
    ([[0, 1], [1, 0]], "labels must be None or -1"),
])
def test_generate_refuses_bad_labels_with_the_fix(labels, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        _gan().generate(4, labels=labels, seed=0)


def test_fit_without_labels_says_to_use_labelled_data():
    gan = _gan()
    images, _ = _data(24)
    with pytest.raises(ValueError, match="needs labelled batches"):
        gan.fit(images, batch_size=12, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="needs labelled batches"):
        gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(12), epochs=1, verbose=0)


def test_fit_refuses_labels_outside_the_classes():
    images, labels = _data(24)
    with pytest.raises(ValueError, match="Label 3 is outside"):
        _gan().fit(images, labels + 1, batch_size=12, epochs=1, verbose=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"num_classes": 1}, "num_classes must be an int >= 2"),
    ({"label_distribution": "frequent"}, "label_distribution must be one of"),
    ({"label_distribution": [1.0, 0.0]}, "must be 3 finite non-negative numbers"),
])
def test_bad_conditional_arguments_are_refused(kwargs, message):
    g, d = _nets()
    with pytest.raises(ValueError, match=message):
        keras_gan.ConditionalGAN(g, d, **{"num_classes": C, **kwargs})


def test_unconditional_networks_are_refused_with_the_fix():
    g = networks.dcgan_generator(latent_dim=4, output_shape=SHAPE, base_filters=4)
    _, d = _nets()
    with pytest.raises(ValueError, match="cannot take \\[z, labels\\]"):
        keras_gan.ConditionalGAN(g, d, num_classes=C, latent_dim=4)


def test_keras_file_round_trip_keeps_classes_distribution_and_samples(tmp_path):
    gan = _gan(label_distribution=[0.5, 0.25, 0.25], ema_decay=0.9)
    images, labels = _data(24)
    gan.fit(images, labels, batch_size=12, epochs=1, verbose=0)
    gan.save(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded, keras_gan.ConditionalGAN)
    assert loaded.num_classes == C and loaded.label_distribution == [0.5, 0.25, 0.25]
    np.testing.assert_array_equal(loaded.generate(6, labels=1, seed=2), gan.generate(6, labels=1, seed=2))


def test_sample_grid_has_one_row_per_class_and_one_z_per_column():
    class Template(keras.Model):
        # Pixel value (c + 1) / 4 for class c plus a per-z offset: rows must be classes, columns z.
        def call(self, inputs, training=False):
            z, labels = inputs
            value = (tf.cast(labels, "float32")[:, None, None, None] + 1.0) / 4.0
            return tf.zeros((tf.shape(z)[0], *SHAPE)) + value + 0.0 * z[:, :1, None, None]

    gan = _gan()
    gan.generator = Template()
    grid = SampleGrid("/unused", num_samples=2 * C, seed=0, image_range=None)
    grid.set_model(gan)
    picture = grid.picture()[..., 0]
    tile = SHAPE[0] + 2
    assert picture.shape == (C * tile + 2, 2 * tile + 2)
    for c in range(C):
        for column in range(2):
            value = picture[2 + c * tile, 2 + column * tile]
            assert value == round((c + 1) / 4 * 255)


# ------------------------------------------------------------------------------------------------------------------
# The command line and the training library
# ------------------------------------------------------------------------------------------------------------------

FLAGS = ["--config=cgan_fashion_mnist", "--base_filters=4", "--batch_size=8", "--latent_dim=4", "--verbose=0",
         "--num_grid_samples=6", "--ema_decay=0.9", "--r1_penalty=0.5", "--r1_interval=2", "--d_steps=2",
         "--spectral_norm", "--deterministic"]


def _cli(*args, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "keras_gan", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def _labelled_npz(path, n=96):
    images, labels = _data(n)
    np.savez(path, x=images, y=labels)
    return path


def _state(workdir):
    _, path = checkpoints.list_checkpoints(os.path.join(workdir, "checkpoints"))[-1]
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
            if name not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter/.ATTRIBUTES/VARIABLE_VALUE")}


def test_the_command_line_trains_resumes_bit_identically_and_samples_a_class(tmp_path):
    data = _labelled_npz(tmp_path / "labelled.npz")
    for workdir, epochs in ((tmp_path / "whole", (2,)), (tmp_path / "split", (1, 2))):
        for e in epochs:
            run = _cli("train", f"--dataset={data}", f"--workdir={workdir}", f"--epochs={e}", *FLAGS)
            assert run.returncode == 0, run.stderr[-3000:]
    whole, split = _state(tmp_path / "whole"), _state(tmp_path / "split")
    assert sorted(whole) == sorted(split)
    for name, value in whole.items():
        assert np.array_equal(value, split[name]), f"{name} differs after resuming"
    # The class count is read off the labels (--num_classes given by the config: 10 ≥ 3 labels found).
    gan, _, meta = train_lib.restore_from_workdir(tmp_path / "whole")
    assert isinstance(gan, keras_gan.ConditionalGAN) and meta["num_classes"] == 10
    run = _cli("sample", f"--workdir={tmp_path / 'whole'}", "--label=2", "--num_samples=4",
               f"--output={tmp_path / 'two.npy'}")
    assert run.returncode == 0, run.stderr[-2000:]
    np.testing.assert_array_equal(np.load(tmp_path / "two.npy"), gan.generate(4, labels=2, seed=0))


@pytest.mark.parametrize("dataset, extra, message", [
    ("unlabelled.npy", [], "is conditional (G and D take class labels), but dataset"),
    ("labelled.npz", ["--num_classes=2"], "has label 2, but --num_classes=2"),
    ("labelled.npz", ["--label_distribution=frequent"], "label_distribution (--label_distribution) must be one of"),
])
def test_the_command_line_refuses_data_that_cannot_train_a_conditional_model(tmp_path, dataset, extra, message):
    _labelled_npz(tmp_path / "labelled.npz")
    np.save(tmp_path / "unlabelled.npy", _data(24)[0])
    workdir = tmp_path / "run"
    run = _cli("train", f"--dataset={tmp_path / dataset}", f"--workdir={workdir}", "--epochs=1", *FLAGS, *extra)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not workdir.exists()
