"""The paper's optimisation schedules: per-minibatch learning-rate decay with a floor, and linearly rising momentum.

Goodfellow et al.'s MNIST run (the released code's mnist.yaml) trains with SGD, batch 100, a learning rate of 0.1
divided by 1.000004 after every minibatch (never below 1e-6), and a momentum that rises linearly from 0.5 at
epoch 1 to 0.7 at epoch 250 (pylearn2's `MomentumAdjustor`).

* `DecayWithFloor` is a `keras.optimizers.schedules.LearningRateSchedule` driven by the optimizer's own
  `iterations` counter, so it is saved and resumed with the optimizer state.
* `LinearMomentum` is the momentum as a function of the (1-based, possibly fractional) epoch.
* `ScheduledSGD` is SGD whose momentum is a non-trainable *variable*: Keras 3's `SGD` reads `self.momentum` as a
  Python float, which a compiled train step bakes in as a constant at its first trace, so assigning
  `optimizer.momentum` later silently does nothing. Here the update step reads the variable, so a new value takes
  effect at the next step, and the value is saved with the optimizer's variables.
* `MomentumScheduler` is the callback that sets the momentum variable at the start of every epoch.
"""

import math

import keras
from keras import ops

__all__ = ["DecayWithFloor", "LinearMomentum", "MomentumScheduler", "ScheduledSGD"]


@keras.saving.register_keras_serializable(package="keras_gan")
class DecayWithFloor(keras.optimizers.schedules.LearningRateSchedule):
    """lr_t = max(initial_learning_rate / decay_factor^t, min_learning_rate), t = updates made so far.

    With the paper's values (0.1, 1.000004, 1e-6) the floor is reached after ln(1e5) / ln(1.000004) ≈ 2.88M
    updates, i.e. epoch 5757 of 500 minibatches: in practice the rate decays smoothly all through training.

    Args:
        initial_learning_rate: Positive float, lr_0 (0.1 in the paper).
        decay_factor: Float >= 1, the per-update divisor (1.000004 in the paper; 1 keeps lr constant).
        min_learning_rate: Float >= 0, the floor (1e-6 in the paper).

    Raises:
        ValueError: if a value is out of range.

    Example:
        >>> lr = DecayWithFloor(0.1, 1.000004, 1e-6)
        >>> float(lr(1_000_000))   # 0.1 / 1.000004**1e6
        0.001831...
    """

    def __init__(self, initial_learning_rate=0.1, decay_factor=1.000004, min_learning_rate=1e-6):
        if not initial_learning_rate > 0:
            raise ValueError(f"initial_learning_rate must be positive, got {initial_learning_rate!r}.")
        if not decay_factor >= 1:
            raise ValueError(
                f"decay_factor divides the learning rate after each update and must be >= 1 (1 = no decay), got "
                f"{decay_factor!r}."
            )
        if not 0 <= min_learning_rate <= initial_learning_rate:
            raise ValueError(
                f"min_learning_rate must lie in [0, initial_learning_rate={initial_learning_rate}], got "
                f"{min_learning_rate!r}."
            )
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_factor = float(decay_factor)
        self.min_learning_rate = float(min_learning_rate)

    def __call__(self, step):
        # exp(-t·ln f) with ln f taken in float64: 1.000004 itself rounds to 1.00000405 in float32 (a 1.3% error
        # in ln f), while ln f = 3.999992e-6 is exact to float32 precision, and so is t up to 16.7M updates.
        step = ops.cast(step, "float32")
        lr = self.initial_learning_rate * ops.exp(-step * math.log(self.decay_factor))
        return ops.maximum(lr, self.min_learning_rate)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_factor": self.decay_factor,
            "min_learning_rate": self.min_learning_rate,
        }


class LinearMomentum:
    """Momentum rising linearly from `initial` at `start_epoch` to `final` at `saturate_epoch`, then constant.

    Epochs are 1-based as in pylearn2's `MomentumAdjustor(start=1, saturate=250, final_momentum=0.7)`; fractional
    epochs interpolate, epochs before `start_epoch` get `initial`.

    Args:
        initial: Float in [0, 1), momentum at and before `start_epoch` (0.5 in the paper).
        final: Float in [0, 1), momentum from `saturate_epoch` on (0.7 in the paper).
        start_epoch: Float, where the ramp starts (1).
        saturate_epoch: Float > start_epoch, where it ends (250).

    Raises:
        ValueError: if a momentum is outside [0, 1) or saturate_epoch <= start_epoch.

    Example:
        >>> LinearMomentum()(125.5)
        0.6
    """

    def __init__(self, initial=0.5, final=0.7, start_epoch=1, saturate_epoch=250):
        for label, value in (("initial", initial), ("final", final)):
            if not 0 <= value < 1:
                raise ValueError(f"{label} momentum must lie in [0, 1), got {value!r}.")
        if not saturate_epoch > start_epoch:
            raise ValueError(
                f"saturate_epoch ({saturate_epoch}) must come after start_epoch ({start_epoch}); the paper uses 1 "
                "and 250."
            )
        self.initial = float(initial)
        self.final = float(final)
        self.start_epoch = float(start_epoch)
        self.saturate_epoch = float(saturate_epoch)

    def __call__(self, epoch):
        """Momentum at 1-based `epoch` (float)."""
        fraction = (float(epoch) - self.start_epoch) / (self.saturate_epoch - self.start_epoch)
        fraction = min(max(fraction, 0.0), 1.0)
        return round(self.initial + (self.final - self.initial) * fraction, 12)


@keras.saving.register_keras_serializable(package="keras_gan")
class ScheduledSGD(keras.optimizers.SGD):
    """SGD with (always-on) momentum held in a non-trainable variable, so schedules can change it mid-training.

    The update is Keras's SGD update, m ← μ·m − lr·g; w ← w + m (or Nesterov's), with μ read from the variable
    `momentum_variable` at every step. Set it with `set_momentum(value)` (or a `MomentumScheduler`); the value is
    one of `optimizer.variables`, so it is checkpointed and restored with the rest of the optimizer state.

    Args:
        learning_rate: Float or `LearningRateSchedule` (e.g. `DecayWithFloor`).
        momentum: Float in [0, 1), the initial momentum.
        nesterov: Bool, Nesterov momentum.
        name: Optimizer name.
        **kwargs: Passed to `keras.optimizers.SGD`.

    Example:
        >>> opt = ScheduledSGD(learning_rate=DecayWithFloor(0.1), momentum=0.5)
        >>> opt.build(model.trainable_variables)
        >>> opt.set_momentum(0.7)   # used by the very next compiled step
    """

    def __init__(self, learning_rate=0.01, momentum=0.5, nesterov=False, name="scheduled_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=float(momentum), nesterov=nesterov, name=name, **kwargs)
        self._initial_momentum = float(momentum)
        self.momentum_variable = None

    def build(self, variables):
        if self.built:
            return
        # Skip SGD.build (which creates no slots when momentum == 0) and always create them: the momentum may
        # be raised from 0 later.
        keras.optimizers.Optimizer.build(self, variables)
        self.momentum_variable = self.add_variable(
            shape=(), initializer=keras.initializers.Constant(self._initial_momentum), name="momentum"
        )
        self.momentums = self.add_optimizer_variables(variables, "momentum")

    def set_momentum(self, value):
        """Sets the momentum used from the next update on.

        Args:
            value: Float in [0, 1).

        Raises:
            ValueError: if `value` is outside [0, 1) or the optimizer is not built yet.
        """
        if not 0 <= value < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {value!r}.")
        if self.momentum_variable is None:
            raise ValueError("Build the optimizer first (optimizer.build(variables) or one training step).")
        self.momentum_variable.assign(float(value))
        # Keep the Python attribute in step for get_config() / printing; the update step never reads it.
        self.momentum = float(value)

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum_variable, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)]
        self.assign(m, ops.subtract(ops.multiply(m, momentum), ops.multiply(gradient, learning_rate)))
        if self.nesterov:
            self.assign_add(
                variable, ops.subtract(ops.multiply(m, momentum), ops.multiply(gradient, learning_rate))
            )
        else:
            self.assign_add(variable, m)

    def get_config(self):
        config = super().get_config()
        config["momentum"] = self._initial_momentum
        return config


class MomentumScheduler(keras.callbacks.Callback):
    """Sets the momentum of `ScheduledSGD` optimizers at the start of each epoch from a schedule.

    Args:
        schedule: Callable mapping the 1-based epoch to a momentum, e.g. `LinearMomentum()`.
        optimizers: Optional list of `ScheduledSGD`; default: the model's `d_optimizer` and `g_optimizer` (or
            `optimizer`) that are `ScheduledSGD`.

    Raises:
        ValueError: at train start, if no `ScheduledSGD` optimizer is found (a plain SGD would ignore the change).

    Example:
        >>> gan.fit(ds, epochs=300, callbacks=[MomentumScheduler(LinearMomentum(0.5, 0.7, 1, 250))])
    """

    def __init__(self, schedule, optimizers=None):
        super().__init__()
        self.schedule = schedule
        self.optimizers = optimizers

    def _targets(self):
        if self.optimizers is not None:
            targets = list(self.optimizers)
        else:
            names = ("d_optimizer", "g_optimizer", "optimizer")
            targets = [getattr(self.model, n, None) for n in names]
        targets = [o for o in targets if isinstance(o, ScheduledSGD)]
        if not targets:
            raise ValueError(
                "MomentumScheduler found no ScheduledSGD optimizer; compile with keras_gan.schedules.ScheduledSGD "
                "(Keras's SGD bakes its momentum into the compiled step, so changing it would do nothing)."
            )
        return targets

    def on_epoch_begin(self, epoch, logs=None):
        # Keras's epoch index is 0-based; the paper's schedule counts epochs from 1.
        value = self.schedule(epoch + 1)
        for optimizer in self._targets():
            if not optimizer.built:
                optimizer.build(_trainable_for(self.model, optimizer))
            optimizer.set_momentum(value)


def _trainable_for(model, optimizer):
    if optimizer is getattr(model, "d_optimizer", None):
        return model.discriminator.trainable_variables
    if optimizer is getattr(model, "g_optimizer", None):
        return model.generator.trainable_variables
    return model.trainable_variables
