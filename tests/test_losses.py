"""The losses are the paper's, computed stably from logits (shared/docs/paper.md)."""

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
    with pytest.raises(ValueError, match="minimax.*non_saturating"):
        losses.get_generator_loss("wasserstein")
