"""The losses: the paper's two families computed stably from logits (shared/docs/paper.md), and the least-squares,
hinge and Wasserstein families on D's raw scores, each equal to its closed form."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses

REAL = np.array([2.0, -1.0, 0.5, 3.0], "float32")
FAKE = np.array([-2.0, 0.0, 1.5, -0.3], "float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


# Each family: (loss, args, closed form in terms of D = sigmoid(logit)).
CASES = {
    "minimax_discriminator": (
        losses.minimax_discriminator_loss,
        (REAL, FAKE),
        -np.mean(np.log(sigmoid(REAL))) - np.mean(np.log(1 - sigmoid(FAKE))),
    ),
    "minimax_generator": (losses.minimax_generator_loss, (FAKE,), np.mean(np.log(1 - sigmoid(FAKE)))),
    "non_saturating_generator": (losses.non_saturating_generator_loss, (FAKE,), -np.mean(np.log(sigmoid(FAKE)))),
    "value_function": (
        losses.value_function,
        (REAL, FAKE),
        np.mean(np.log(sigmoid(REAL))) + np.mean(np.log(1 - sigmoid(FAKE))),
    ),
    # Mao et al. (2017), a = 0, b = c = 1.
    "least_squares_discriminator": (
        losses.least_squares_discriminator_loss,
        (REAL, FAKE),
        0.5 * np.mean((REAL - 1) ** 2) + 0.5 * np.mean(FAKE**2),
    ),
    "least_squares_generator": (losses.least_squares_generator_loss, (FAKE,), 0.5 * np.mean((FAKE - 1) ** 2)),
    # Lim & Ye (2017): margins at +1 (data) and -1 (samples).
    "hinge_discriminator": (
        losses.hinge_discriminator_loss,
        (REAL, FAKE),
        np.mean(np.maximum(0, 1 - REAL)) + np.mean(np.maximum(0, 1 + FAKE)),
    ),
    "hinge_generator": (losses.hinge_generator_loss, (FAKE,), -np.mean(FAKE)),
    "wasserstein_discriminator": (losses.wasserstein_discriminator_loss, (REAL, FAKE), np.mean(FAKE) - np.mean(REAL)),
    "wasserstein_generator": (losses.wasserstein_generator_loss, (FAKE,), -np.mean(FAKE)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_equals_its_closed_form(name):
    fn, args, expected = CASES[name]
    value = fn(*args)
    assert value.dtype == tf.float32 and value.shape == ()
    np.testing.assert_allclose(float(value), expected, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_accepts_logits_of_shape_batch_by_one(name):
    fn, args, expected = CASES[name]
    np.testing.assert_allclose(float(fn(*[a[:, None] for a in args])), expected, rtol=1e-5)


def test_value_at_the_global_optimum_is_minus_log_4():
    # p_g = p_data gives D = 1/2 everywhere, i.e. logits 0.
    zeros = np.zeros(8, "float32")
    assert float(losses.value_function(zeros, zeros)) == pytest.approx(-math.log(4), rel=1e-6)
    assert float(losses.minimax_discriminator_loss(zeros, zeros)) == pytest.approx(math.log(4), rel=1e-6)


@pytest.mark.parametrize("logit", [-200.0, 200.0])
def test_losses_stay_finite_for_extreme_logits(logit):
    x = np.full(4, logit, "float32")
    for fn, args in [
        (losses.minimax_discriminator_loss, (x, x)),
        (losses.minimax_generator_loss, (x,)),
        (losses.non_saturating_generator_loss, (x,)),
    ]:
        assert np.isfinite(float(fn(*args)))


def _grad_wrt_logits(fn, logits):
    logits = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = fn(logits)
    return tape.gradient(loss, logits).numpy()


def test_minimax_generator_loss_saturates_when_d_confidently_rejects():
    # D(G(z)) = sigmoid(-10) ≈ 4.5e-5: the paper's "log(1 - D(G(z))) saturates" regime.
    rejected = np.full(4, -10.0, "float32")
    minimax = _grad_wrt_logits(losses.minimax_generator_loss, rejected)
    non_saturating = _grad_wrt_logits(losses.non_saturating_generator_loss, rejected)
    # Per-example gradient magnitude (the mean divides by m = 4).
    assert np.all(np.abs(minimax * 4) < 1e-4)
    # The non-saturating form keeps a gradient of about -1: G is pushed to raise D(G(z)).
    np.testing.assert_allclose(non_saturating * 4, -1.0, atol=1e-4)
    # Both push in the same direction (descending the loss raises the logit).
    assert np.all(minimax < 0)


def test_generator_losses_have_the_same_direction_near_the_optimum():
    at_half = np.zeros(4, "float32")
    np.testing.assert_allclose(
        _grad_wrt_logits(losses.minimax_generator_loss, at_half),
        _grad_wrt_logits(losses.non_saturating_generator_loss, at_half),
    )


def test_unknown_generator_loss_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="hinge.*least_squares.*minimax.*non_saturating.*wasserstein"):
        losses.get_generator_loss("relativistic")


def test_the_wasserstein_critic_scores_data_higher_and_its_loss_estimates_minus_the_distance():
    # A critic that scores data +1 and samples -1 has loss -2 (it wants E f(x) - E f(G(z)) large); G's loss
    # falls as the critic's score of its samples rises.
    ones = np.ones(4, "float32")
    assert float(losses.wasserstein_discriminator_loss(ones, -ones)) == pytest.approx(-2.0)
    assert float(losses.wasserstein_discriminator_loss(-ones, ones)) == pytest.approx(2.0)
    assert float(losses.wasserstein_generator_loss(2 * ones)) < float(losses.wasserstein_generator_loss(ones))
    # Shifting every score by a constant changes nothing: only differences of expectations matter.
    assert float(losses.wasserstein_discriminator_loss(REAL + 5, FAKE + 5)) == pytest.approx(
        float(losses.wasserstein_discriminator_loss(REAL, FAKE)), rel=1e-5)


def test_the_hinge_discriminator_loss_is_zero_beyond_its_margins_with_no_gradient():
    real, fake = np.array([1.0, 3.0], "float32"), np.array([-1.0, -4.0], "float32")
    assert float(losses.hinge_discriminator_loss(real, fake)) == 0.0
    np.testing.assert_array_equal(_grad_wrt_logits(lambda r: losses.hinge_discriminator_loss(r, fake), real), 0)


def test_the_least_squares_generator_gradient_grows_with_the_distance_from_the_data_target():
    # Unlike the minimax loss, it does not saturate when D confidently rejects a sample.
    far, near = np.full(4, -10.0, "float32"), np.full(4, 0.5, "float32")
    assert abs(_grad_wrt_logits(losses.least_squares_generator_loss, far).sum()) > \
        abs(_grad_wrt_logits(losses.least_squares_generator_loss, near).sum())


@pytest.mark.parametrize("family", sorted(losses.LOSSES))
def test_every_family_is_registered_as_a_pair_that_the_compile_path_resolves(family):
    pair = losses.LOSSES[family]
    assert losses.get_discriminator_loss(family) is pair.discriminator
    assert losses.get_generator_loss(family) is pair.generator
    assert np.isfinite(float(pair.discriminator(REAL, FAKE))) and np.isfinite(float(pair.generator(FAKE)))
