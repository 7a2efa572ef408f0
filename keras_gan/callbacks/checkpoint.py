"""`GANCheckpoint`: the whole training state after every N epochs, through `keras_gan.checkpoints`."""

import keras

from keras_gan import checkpoints

__all__ = ["GANCheckpoint"]


class GANCheckpoint(keras.callbacks.Callback):
    """Saves a crash-safe checkpoint of the whole training state after every `every_epochs` epochs.

    Put it last in the callback list, so everything an epoch writes is on disk before the checkpoint that marks
    the epoch done (and after `StopOnDivergence`, so a diverged epoch is never checkpointed).

    Args:
        directory: Str, the checkpoints folder.
        metadata: JSON-serialisable dict stored in each checkpoint (the config, the example shape, ...).
        keep: Positive int, newest checkpoints kept.
        every_epochs: Positive int; the last epoch of `fit` is always saved.

    Example:
        >>> gan.fit(ds, epochs=10, callbacks=[GANCheckpoint("run/checkpoints")])  # doctest: +SKIP
    """

    def __init__(self, directory, metadata=None, keep=3, every_epochs=1):
        super().__init__()
        self.directory = directory
        self.metadata = metadata or {}
        self.keep = keep
        self.every_epochs = every_epochs
        self._checkpointer = None
        self._last_epoch = None
        self._last_saved = None

    def on_train_begin(self, logs=None):
        if self._checkpointer is None:
            self._checkpointer = checkpoints.Checkpointer(self.model, self.directory, keep=self.keep)
        self._last_epoch = self._last_saved = None

    def _save(self, epoch):
        self._checkpointer.save(epoch, self.metadata)
        self._last_saved = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._last_epoch = epoch + 1
        if (epoch + 1) % self.every_epochs == 0:
            self._save(epoch + 1)

    def on_train_end(self, logs=None):
        if self._last_epoch and self._last_saved != self._last_epoch:
            self._save(self._last_epoch)
