"""Training checkpoints on TensorFlow's own machinery: `tf.train.Checkpoint` + `tf.train.CheckpointManager`.

A checkpoint tracks every variable by its place in the object graph (never by list position): both networks'
weights and non-trainable state, both optimizers (slots, update counters that drive the learning-rate decay, the
scheduled momentum), the GAN's noise counter and every layer's random-stream state (`keras_gan.rng_state`), plus
the completed `epoch` and the run's `metadata` (its config and example shape, as JSON). TensorFlow writes the
data files first and then atomically replaces the `checkpoint` state file that names the newest one, so a process
killed at any moment, or a full disk, leaves the previous checkpoint as the newest readable one.

    checkpoints/checkpoint                    TF's state file: the newest checkpoints, in order
    checkpoints/ckpt-NNNN.index, .data-*      one checkpoint per saved epoch NNNN (the newest `keep`)
"""

import glob
import json
import os

import tensorflow as tf

from keras_gan import rng_state
from keras_gan.progress import logger

__all__ = ["CheckpointError", "Checkpointer", "latest_metadata", "list_checkpoints"]

_METADATA_KEY = "metadata/.ATTRIBUTES/VARIABLE_VALUE"


class CheckpointError(ValueError):
    """A checkpoint cannot be read or written; the message says why and what to do."""


class _DamagedCheckpoint(CheckpointError):
    """The files of one checkpoint are truncated or corrupt (an older one may still be good)."""


# What TensorFlow's reader raises for truncated or corrupt files.
_DAMAGE = (tf.errors.OpError, IndexError)


def list_checkpoints(directory):
    """The complete checkpoints in `directory`, oldest first.

    Args:
        directory: Str, a checkpoints folder (may be missing).

    Returns:
        List of (epoch, prefix) pairs; a prefix is what `tf.train.load_checkpoint` takes.

    Raises:
        CheckpointError: if the folder holds only checkpoints of keras_gan 0.1's `.npz` format.
    """
    state = tf.train.get_checkpoint_state(directory) if os.path.isdir(directory) else None
    if state is None:
        legacy = sorted(glob.glob(os.path.join(directory, "ckpt-*.npz")))
        if legacy:
            raise CheckpointError(
                f"{directory} holds checkpoints in keras_gan 0.1's .npz format ({os.path.basename(legacy[-1])}), "
                "which this version does not read (it restored variables by position, which could load wrong "
                "values silently). Nothing was changed. Train in a new --workdir, or use keras_gan 0.1.0 to "
                "export that run's generator."
            )
        return []
    found = []
    for prefix in state.all_model_checkpoint_paths:
        prefix = prefix if os.path.isabs(prefix) else os.path.join(directory, prefix)
        if os.path.exists(prefix + ".index"):
            found.append((int(prefix.rsplit("-", 1)[1]), prefix))
    return found


def _read_metadata(prefix):
    return json.loads(tf.train.load_checkpoint(prefix).get_tensor(_METADATA_KEY).decode("utf-8"))


def latest_metadata(directory):
    """The metadata of the newest readable checkpoint in `directory` (older ones are tried if it is damaged).

    Args:
        directory: Str, a checkpoints folder.

    Returns:
        The metadata dict ({"epoch", "config", "example_shape", ...}), or None without a readable checkpoint.

    Raises:
        CheckpointError: for a folder of the old `.npz` format.
    """
    for _, prefix in reversed(list_checkpoints(directory)):
        try:
            return _read_metadata(prefix)
        except (*_DAMAGE, ValueError, KeyError) as e:
            logger.warning("Skipping unreadable checkpoint %s: %s", prefix, e)
    return None


class Checkpointer:
    """Saves and restores the whole training state of a `keras_gan.GAN` in one folder.

    Args:
        gan: A compiled `keras_gan.GAN` whose optimizers are built (so every slot exists before a restore).
        directory: Str, the checkpoints folder (created on the first save).
        keep: Positive int, the newest checkpoints kept.

    Example:
        >>> checkpointer = Checkpointer(gan, "run/checkpoints")  # doctest: +SKIP
        >>> checkpointer.save(epoch=1, metadata={"config": config.to_dict()})  # doctest: +SKIP
        >>> checkpointer.restore_latest()["epoch"]  # doctest: +SKIP
        1
    """

    def __init__(self, gan, directory, keep=3):
        self.directory = os.fspath(directory)
        self._metadata = tf.Variable("", dtype=tf.string, trainable=False)
        self._checkpoint = tf.train.Checkpoint(gan=gan, rng=rng_state.seed_states(gan), metadata=self._metadata)
        self._manager = tf.train.CheckpointManager(
            self._checkpoint, self.directory, max_to_keep=keep, checkpoint_name="ckpt"
        )

    def save(self, epoch, metadata=None):
        """Writes the checkpoint of `epoch` (1-based epochs completed), then drops all but the newest `keep`.

        Args:
            epoch: Int, epochs completed.
            metadata: JSON-serialisable dict stored with it (`epoch` is added).

        Returns:
            Str, the checkpoint's prefix.

        Raises:
            CheckpointError: if the write fails (a full or read-only disk); the previous checkpoint stays the
                newest and is intact.
        """
        self._metadata.assign(json.dumps(dict(metadata or {}, epoch=int(epoch)), sort_keys=True))
        try:
            return self._manager.save(checkpoint_number=int(epoch))
        except (OSError, tf.errors.OpError) as e:
            previous = list_checkpoints(self.directory)
            kept = f"the checkpoint of epoch {previous[-1][0]} is intact" if previous else "no earlier checkpoint exists"
            raise CheckpointError(
                f"Cannot write the checkpoint of epoch {epoch} to {self.directory} ({type(e).__name__}: {e}); {kept}. "
                "Free disk space (or make the folder writable) and run the same command again to resume."
            ) from e

    def restore(self, prefix):
        """Restores one checkpoint into the GAN, checking that it holds every variable of this model.

        Args:
            prefix: Str, a checkpoint prefix from `list_checkpoints`.

        Returns:
            The checkpoint's metadata dict.

        Raises:
            CheckpointError: if the checkpoint is unreadable or was written for another network or optimizer.
        """
        try:
            self._checkpoint.restore(prefix).assert_existing_objects_matched()
        except _DAMAGE as e:
            raise _DamagedCheckpoint(f"{prefix} is damaged ({type(e).__name__}: {e}).") from e
        except (ValueError, AssertionError) as e:
            raise CheckpointError(
                f"{prefix} does not fit this model ({type(e).__name__}: {str(e).splitlines()[0][:300]}): it was "
                "written for another network, optimizer or version, or is damaged. Use a new --workdir, or the flags "
                "of the run that wrote it."
            ) from e
        return json.loads(self._metadata.numpy().decode("utf-8"))

    def restore_latest(self):
        """Restores the newest readable checkpoint; a damaged newest one falls back to the previous with a warning.

        Returns:
            The restored checkpoint's metadata dict, or None when the folder holds no checkpoint.

        Raises:
            CheckpointError: if no checkpoint can be read, or they belong to another model.
        """
        checkpoints = list_checkpoints(self.directory)
        errors = []
        for epoch, prefix in reversed(checkpoints):
            try:
                return self.restore(prefix)
            except _DamagedCheckpoint as e:
                # (Another model's readable checkpoint is never skipped: that error propagates.)
                logger.warning("Checkpoint of epoch %d is damaged (%s); trying the previous one.", epoch, e.__cause__)
                errors.append(f"{prefix}: {type(e.__cause__).__name__}")
        if errors:
            raise CheckpointError(
                f"No readable checkpoint in {self.directory}: {'; '.join(errors)[:500]}. Delete the folder to start "
                "over, or use another --workdir."
            )
        return None
