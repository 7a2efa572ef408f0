"""The one input pipeline: in-memory examples -> shuffled `[k*m, ...]` batches for `GAN.fit`.

Every batch the package feeds a GAN comes from `epoch_batches`: the image datasets (`image_dataset`), the toy
distributions (`toy.*_dataset`) and the training library. One epoch is one permutation of the examples, drawn with a
stateless shuffle seeded by `(seed, epoch)`, and each batch is one gather from the in-memory array; so the input
costs per batch, not per example, and the order of epoch e depends only on `(seed, e)`. That is what makes a resumed
run bit-identical to an uninterrupted one: epoch 7 after a restart is epoch 7 as it would have been.

Examples stay in memory as they come (uint8 images stay uint8, a quarter of float32); `preprocess` (scaling,
flattening) runs per batch after the gather.
"""

import numpy as np
import tensorflow as tf

from keras_gan.checks import check_positive_int

__all__ = ["epoch_batches", "steps_per_epoch"]


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}.")
    return int(value)


def steps_per_epoch(num_examples, batch_size, d_steps=1):
    """How many `[d_steps * batch_size]` batches one epoch over `num_examples` holds (the remainder is dropped).

    Args:
        num_examples: Int >= 0, examples in the split.
        batch_size: Positive int m, examples per discriminator / generator update.
        d_steps: Positive int k; a batch holds k*m examples (k minibatches for Algorithm 1).

    Returns:
        Int >= 1, `num_examples // (d_steps * batch_size)`.

    Raises:
        ValueError: if a size is not a positive int, or the examples cannot fill one batch (the message names both
            sizes and the fix).

    Example:
        >>> steps_per_epoch(50_000, 100, d_steps=2)
        250
    """
    batch_size = check_positive_int("batch_size", batch_size)
    d_steps = check_positive_int("d_steps", d_steps)
    num_examples = _check_int("num_examples", num_examples, 0)
    step = batch_size * d_steps
    if num_examples < step:
        raise ValueError(
            f"{num_examples} examples are fewer than one batch of d_steps * batch_size = {d_steps} * {batch_size} = "
            f"{step}. Use more examples (a larger split) or a smaller batch_size / d_steps."
        )
    return num_examples // step


def _length(examples):
    lengths = {int(x.shape[0]) for x in tf.nest.flatten(examples)}
    if len(lengths) != 1:
        raise ValueError(
            f"All arrays in `examples` must hold the same number of examples, got lengths {sorted(lengths)}. "
            "Pass (images, labels) of the same split."
        )
    return lengths.pop()


def epoch_batches(examples, *, batch_size, d_steps=1, seed=0, epochs=None, initial_epoch=0, preprocess=None,
                  shuffle=True):
    """A `tf.data.Dataset` of `[d_steps * batch_size, ...]` batches of in-memory examples, a new order each epoch.

    Epoch e visits the examples in the order `stateless_shuffle(range(N), seed=(seed, e))`, cut into
    `steps_per_epoch(N, batch_size, d_steps)` batches; the last partial batch is dropped, so every element has the
    static shape `GAN.train_step` splits into k minibatches of m.

    * `epochs` given: the dataset yields epochs `initial_epoch, ..., epochs - 1` back to back, once (what the
      training library resumes from: `gan.fit(ds, epochs=epochs, initial_epoch=..., steps_per_epoch=...)`).
    * `epochs=None`: each iteration over the dataset (each new iterator, as `gan.fit(ds, epochs=N)` makes one per
      epoch) yields one epoch, and successive iterations get epochs `initial_epoch`, `initial_epoch + 1`, ...: a new
      order each epoch, the same sequence of orders for the same seed.

    Args:
        examples: Array `[N, ...]` (uint8 images, float32 points, ...) or a tuple of arrays of the same length
            (e.g. `(images, labels)`), gathered together. Held in memory as given.
        batch_size: Positive int m, examples per discriminator / generator update.
        d_steps: Positive int k; each batch holds k*m examples.
        seed: Int, the shuffle seed; with `e` it fixes epoch e's order.
        epochs: None (one epoch per iteration) or an int > `initial_epoch` (all epochs in one iteration).
        initial_epoch: Int >= 0, the index of the first epoch yielded.
        preprocess: Optional function applied to each gathered batch (same structure as `examples`), e.g. scaling
            uint8 pixels to floats; it runs per batch, so memory holds the examples in their own dtype.
        shuffle: False keeps the examples' order in every epoch.

    Returns:
        A prefetched `tf.data.Dataset` of batches; its cardinality is the number of batches per iteration.

    Raises:
        ValueError: for a size that is not a positive int, a bad `seed`/`epochs`/`initial_epoch`, arrays of different
            lengths, or fewer examples than one batch.

    Example:
        >>> ds = epoch_batches(np.zeros((1000, 2), "float32"), batch_size=50, d_steps=2)
        >>> ds.element_spec.shape, int(ds.cardinality())
        (TensorShape([100, 2]), 10)
    """
    examples = tf.nest.map_structure(lambda x: x if isinstance(x, tf.Tensor) else np.asarray(x), examples)
    num_examples = _length(examples)
    steps = steps_per_epoch(num_examples, batch_size, d_steps)
    step = int(batch_size) * int(d_steps)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int, got {seed!r}.")
    initial_epoch = _check_int("initial_epoch", initial_epoch, 0)
    if epochs is not None:
        epochs = _check_int("epochs", epochs, initial_epoch + 1)
    tensors = tf.nest.map_structure(tf.constant, examples)
    seed = tf.constant(int(seed), tf.int64)

    def epoch_indices(epoch):
        order = tf.range(num_examples, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=tf.stack([seed, epoch]))
        return tf.data.Dataset.from_tensor_slices(tf.reshape(order[: steps * step], [steps, step]))

    if epochs is not None:
        epoch_ids = tf.data.Dataset.range(initial_epoch, epochs)
        num_batches = steps * (epochs - initial_epoch)
    else:
        # One epoch index per iteration: the counter advances when an iterator starts its (single-element) epoch.
        counter = tf.Variable(initial_epoch, dtype=tf.int64, trainable=False)
        epoch_ids = tf.data.Dataset.range(1).map(lambda _: counter.assign_add(1) - 1)
        num_batches = steps
    indices = epoch_ids.flat_map(epoch_indices).apply(tf.data.experimental.assert_cardinality(num_batches))

    def gather(i):
        batch = tf.nest.map_structure(lambda x: tf.gather(x, i), tensors)
        return preprocess(batch) if preprocess is not None else batch

    # Order-preserving whatever the dataset's `deterministic` option says: the order is the seeded permutation.
    return indices.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)
