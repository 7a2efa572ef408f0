"""Training control: stop at a diverged epoch before it is checkpointed; time each epoch."""

import math
import time

import keras

__all__ = ["EpochTimer", "StopOnDivergence", "TrainingDiverged"]


class TrainingDiverged(FloatingPointError):
    """Training produced a non-finite loss; the epoch that did was not checkpointed."""


class StopOnDivergence(keras.callbacks.Callback):
    """Stops training when an epoch's `d_loss` or `g_loss` is NaN or infinite, before that epoch is checkpointed.

    Keras's `TerminateOnNaN` watches a `loss` key that a GAN does not have. The check runs once per epoch (not per
    step), so it adds no host round-trip to the compiled step; put it before `GANCheckpoint` so a diverged state
    never replaces the last good checkpoint.

    Args:
        keys: Log keys to watch.

    Raises:
        TrainingDiverged: from `on_epoch_end`, naming the epoch, the values and what to change.

    Example:
        >>> gan.fit(data, epochs=10, callbacks=[StopOnDivergence(), GANCheckpoint("ckpt")])  # doctest: +SKIP
    """

    def __init__(self, keys=("d_loss", "g_loss")):
        super().__init__()
        self.keys = tuple(keys)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        bad = {k: float(logs[k]) for k in self.keys if k in logs and not math.isfinite(float(logs[k]))}
        if bad:
            self.model.stop_training = True
            values = ", ".join(f"{k}={v}" for k, v in bad.items())
            raise TrainingDiverged(
                f"Training diverged in epoch {epoch + 1} ({values}); that epoch was not checkpointed, so the run "
                "can resume from the last good one. Lower the learning rate (--learning_rate), or use "
                "--generator_loss=non_saturating: the minimax generator loss log(1 - D(G(z))) is unbounded below."
            )


class EpochTimer(keras.callbacks.Callback):
    """Adds `epoch_seconds` (wall time of the epoch, callbacks before it included) to the epoch logs.

    Place it before `CSVLogger` / `TensorBoard` in the callback list so they record it.
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start
