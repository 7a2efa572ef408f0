"""The paper's schedules: lr 0.1 / 1.000004^t floored at 1e-6 per update, momentum 0.5 -> 0.7 over epochs 1..250,
and a momentum that really changes inside a compiled train step."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan import schedules
from keras_gan.data import toy


# ---- learning rate ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0, 1, 2, 500, 10_000, 250_000, 1_000_000])
def test_learning_rate_at_step_t_is_0_1_over_1_000004_to_the_t(t):
    lr = schedules.DecayWithFloor(0.1, 1.000004, 1e-6)
    np.testing.assert_allclose(float(lr(t)), 0.1 / 1.000004**t, rtol=2e-6)


def test_learning_rate_reaches_its_floor_and_stays_there():
    lr = schedules.DecayWithFloor(0.1, 1.000004, 1e-6)
    t_floor = math.log(0.1 / 1e-6) / math.log(1.000004)  # ~2.88M updates
    assert float(lr(int(t_floor) - 5000)) > 1e-6
    for t in (int(t_floor) + 5000, 5_000_000, 50_000_000):
        assert float(lr(t)) == pytest.approx(1e-6, rel=1e-7)


def test_decay_factor_one_is_constant_and_bad_values_are_refused():
    assert float(schedules.DecayWithFloor(0.05, 1.0, 0.0)(10**6)) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="decay_factor"):
        schedules.DecayWithFloor(0.1, 0.99)
    with pytest.raises(ValueError, match="min_learning_rate"):
        schedules.DecayWithFloor(0.1, 1.000004, 0.2)


def test_learning_rate_schedule_round_trips_through_keras_serialization():
    lr = schedules.DecayWithFloor(0.1, 1.000004, 1e-6)
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(lr))
    assert isinstance(again, schedules.DecayWithFloor) and again.get_config() == lr.get_config()


# ---- momentum --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("epoch, momentum", [(0, 0.5), (1, 0.5), (125.5, 0.6), (250, 0.7), (300, 0.7)])
def test_momentum_rises_linearly_from_epoch_1_to_250(epoch, momentum):
    assert schedules.LinearMomentum(0.5, 0.7, 1, 250)(epoch) == pytest.approx(momentum, abs=1e-12)


def test_momentum_schedule_refuses_bad_ramps():
    with pytest.raises(ValueError, match="saturate_epoch"):
        schedules.LinearMomentum(0.5, 0.7, 10, 10)
    with pytest.raises(ValueError, match="final momentum"):
        schedules.LinearMomentum(0.5, 1.0)


def _momentum_steps(optimizer, momenta):
    """w after one compiled (XLA) update per momentum value, gradient 1 every step."""
    w = keras.Variable(np.zeros(3, "float32"))
    optimizer.build([w])

    @tf.function(jit_compile=True)
    def step():
        optimizer.apply_gradients([(tf.ones(3), w)])

    out = []
    for mu in momenta:
        if isinstance(optimizer, schedules.ScheduledSGD):
            optimizer.set_momentum(mu)
        else:
            optimizer.momentum = mu  # what a naive callback would do
        step()
        out.append(float(w.numpy()[0]))
    return out


def _expected(momenta, lr=0.1):
    m, w, out = 0.0, 0.0, []
    for mu in momenta:
        m = mu * m - lr
        w += m
        out.append(w)
    return out


def test_scheduled_sgd_uses_the_new_momentum_inside_a_compiled_step():
    momenta = [0.5, 0.5, 0.9, 0.0, 0.7]
    got = _momentum_steps(schedules.ScheduledSGD(learning_rate=0.1, momentum=0.5), momenta)
    np.testing.assert_allclose(got, _expected(momenta), rtol=1e-6)


def test_keras_sgd_ignores_a_changed_momentum_after_the_first_trace():
    # Why ScheduledSGD exists: Keras's SGD bakes self.momentum into the traced step.
    momenta = [0.5, 0.5, 0.9, 0.0, 0.7]
    got = _momentum_steps(keras.optimizers.SGD(learning_rate=0.1, momentum=0.5), momenta)
    np.testing.assert_allclose(got, _expected([0.5] * 5), rtol=1e-6)


def test_scheduled_sgd_keeps_its_momentum_in_its_variables():
    optimizer = schedules.ScheduledSGD(learning_rate=0.1, momentum=0.0)
    optimizer.build([keras.Variable(np.zeros(2, "float32"))])
    optimizer.set_momentum(0.65)
    assert optimizer.momentum_variable in optimizer.variables
    assert float(optimizer.momentum_variable.numpy()) == pytest.approx(0.65)
    # Slots exist even when the initial momentum is 0, so a later ramp has state to work with.
    assert len(optimizer.momentums) == 1
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        optimizer.set_momentum(1.5)


def test_momentum_scheduler_sets_each_epochs_value_during_fit():
    gan = keras_gan.GAN(
        keras_gan.networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(8,), seed=0),
        keras_gan.networks.mlp_discriminator(input_dim=2, hidden_units=(8,), seed=1),
        latent_dim=2, seed=0,
    )
    lr = schedules.DecayWithFloor(0.1, 1.000004, 1e-6)
    gan.compile(
        d_optimizer=schedules.ScheduledSGD(learning_rate=lr, momentum=0.5),
        g_optimizer=schedules.ScheduledSGD(learning_rate=lr, momentum=0.5),
        jit_compile=False,  # a plain tf.function bakes Python floats in just as XLA does
    )
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            (float(gan.d_optimizer.momentum_variable.numpy()), float(gan.g_optimizer.momentum_variable.numpy()))
        )
    )
    data = toy.points_dataset(toy.sample_mixture(200, toy.ring_modes(), 0.02), batch_size=50)
    schedule = schedules.LinearMomentum(0.5, 0.7, start_epoch=1, saturate_epoch=3)
    gan.fit(data, epochs=4, verbose=0, callbacks=[schedules.MomentumScheduler(schedule), record])
    assert [d for d, _ in seen] == pytest.approx([0.5, 0.6, 0.7, 0.7])
    assert [g for _, g in seen] == pytest.approx([0.5, 0.6, 0.7, 0.7])
    # The learning rate followed the updates made: 4 epochs x 4 steps.
    assert int(gan.g_optimizer.iterations.numpy()) == 16
    np.testing.assert_allclose(float(gan.g_optimizer.learning_rate.numpy()), 0.1 / 1.000004**16, rtol=1e-6)


def test_momentum_scheduler_refuses_a_plain_sgd():
    gan = keras_gan.GAN(
        keras_gan.networks.mlp_generator(latent_dim=2, output_dim=2, hidden_units=(8,), seed=0),
        keras_gan.networks.mlp_discriminator(input_dim=2, hidden_units=(8,), seed=1),
        latent_dim=2, seed=0,
    )
    gan.compile(d_optimizer=keras.optimizers.SGD(momentum=0.5), g_optimizer=keras.optimizers.SGD(momentum=0.5))
    data = toy.points_dataset(toy.sample_mixture(100, toy.ring_modes(), 0.02), batch_size=50)
    with pytest.raises(ValueError, match="ScheduledSGD"):
        gan.fit(data, epochs=1, verbose=0, callbacks=[schedules.MomentumScheduler(schedules.LinearMomentum())])
