"""The checks every served request passes inside the graph: z, num_samples and label.

TF Serving feeds tensors as they were sent: it converts dtypes to the signature's (or refuses them), but not shapes
or values. So each input is checked by ops inside the exported functions, and a bad request fails with
INVALID_ARGUMENT and a message that says what to send, for any client, instead of a MatMul size error deep inside
the generator, NaN samples, or (for labels) an embedding lookup that returns zeros on GPU.

TF folds `tf.rank` / `tf.size` to the signature's static rank, so ranks are read from the shape's values: padded
with -1, the shape of a [batch, latent_dim] z reads [batch, latent_dim, -1, -1]. A scalar input's whole shape is
folded to [] (by tf.shape and again by Grappler), so `_sent_shape` reads the shape the client sent through a
serialize/parse round trip that shape inference cannot see through.
"""

import tensorflow as tf

from keras_gan import conditional
from keras_gan import noise as noise_lib

__all__ = ["checked_count", "checked_labels", "checked_z", "prior_noise", "sample_labels"]


def checked_z(z, latent_dim):
    """Returns z [batch, latent_dim] after checking its shape and that it is finite.

    Args:
        z: Float32 tensor, as the client sent it.
        latent_dim: Positive int, the width of z.

    Returns:
        z, to be used only after the checks ran.

    Example:
        >>> checked_z(tf.zeros([2, 8]), 8).shape
        TensorShape([2, 8])
    """
    shape = tf.shape(z)
    padded = tf.concat([shape, [-1, -1]], axis=0)
    shape_ok = tf.logical_and(tf.equal(padded[1], latent_dim), tf.equal(padded[2], -1))
    check = tf.debugging.Assert(
        shape_ok,
        [f"z must have shape [batch, {latent_dim}] (latent_dim of this export): send a batch of noise "
         "vectors, one row each. Got shape", shape],
    )
    with tf.control_dependencies([check]):
        return tf.debugging.check_numerics(
            z, "z must be finite noise from the prior: it holds NaN or infinite values. Replace them, or "
            "call the 'sample' signature to have the server draw z"
        )


def prior_noise(num_samples, seed, *, latent_dim, noise, noise_scale, max_samples):
    """Returns z [num_samples, latent_dim] from the prior, after checking the count.

    The noise is `GAN.generate`'s: `keras_gan.noise.sample_prior` with the seed pair [seed, 0], so
    `sample(n, seed)` serves `gan.generate(n, seed=seed)`.

    Args:
        num_samples: Int32 scalar tensor, the requested count.
        seed: Int64 scalar tensor.
        latent_dim: Positive int, the width of z.
        noise: "uniform" or "normal".
        noise_scale: Positive float, the prior's scale.
        max_samples: Positive int, the largest count accepted.

    Returns:
        Float32 tensor [num_samples, latent_dim].

    Example:
        >>> prior_noise(tf.constant(2), tf.constant(0, tf.int64), latent_dim=8, noise="uniform",
        ...             noise_scale=1.0, max_samples=16).shape
        TensorShape([2, 8])
    """
    return noise_lib.sample_prior((checked_count(num_samples, max_samples), latent_dim),
                                  tf.stack([seed, tf.constant(0, tf.int64)]), noise, noise_scale)


def checked_count(num_samples, max_samples):
    """Returns num_samples after checking it is in [0, max_samples], before anything is allocated.

    Args:
        num_samples: Int32 scalar tensor, the requested count.
        max_samples: Positive int, the largest count accepted.

    Returns:
        num_samples, to be used only after the checks ran.

    Example:
        >>> checked_count(tf.constant(3), 16).numpy()
        3
    """
    # A huge count must be an InvalidArgument, not an out-of-memory.
    checks = [
        tf.debugging.assert_non_negative(
            num_samples,
            message=f"num_samples must be in [0, {max_samples}]: a negative count was requested; ask for 0 or more",
        ),
        tf.debugging.assert_less_equal(
            num_samples,
            tf.constant(max_samples, tf.int32),
            message=f"num_samples must be in [0, {max_samples}] (max_samples of this export): ask for fewer "
            "per request and use other seeds for more, or export again with a larger max_samples",
        ),
    ]
    with tf.control_dependencies(checks):
        return tf.identity(num_samples)


def checked_labels(label, z, num_classes):
    """Returns `serving_default`'s labels [batch] after checking their shape against z and their range.

    Args:
        label: Int32 tensor, as the client sent it: one class index per row of z.
        z: The request's z (its first dimension is the batch).
        num_classes: Int C; labels must be in [0, C).

    Returns:
        Int32 tensor [batch], to be used only after the checks ran.

    Example:
        >>> checked_labels(tf.constant([0, 2]), tf.zeros([2, 8]), 3).numpy().tolist()
        [0, 2]
    """
    shape, z_shape = tf.shape(label), tf.shape(z)
    padded = tf.concat([shape, [-1, -1]], axis=0)
    shape_ok = tf.logical_and(tf.equal(padded[0], tf.concat([z_shape, [-1]], axis=0)[0]), tf.equal(padded[1], -1))
    shape_check = tf.debugging.Assert(
        shape_ok,
        [f"label must have shape [batch]: one class index in [0, {num_classes}) per row of z. Got label shape",
         shape, "and z shape", z_shape],
    )
    # After the shape check, so a label of the wrong shape is reported as that.
    with tf.control_dependencies([shape_check]):
        in_range = tf.reduce_all(tf.logical_and(label >= 0, label < num_classes))
        range_check = tf.debugging.Assert(
            in_range,
            [f"label must hold class indices in [0, {num_classes}) (num_classes of this export), one per row of z; "
             "for a mix of classes, call the sample signature with label -1. Got labels", label],
            summarize=16,
        )
    with tf.control_dependencies([range_check]):
        return tf.identity(label)


def sample_labels(label, num_samples, num_classes):
    """Returns the labels [num_samples] of a `sample` request: all `label`, or the mix for label -1.

    Label -1 gives `keras_gan.conditional.mix_labels` (0, 1, ..., C-1, 0, ...), the labels of
    `ConditionalGAN.generate(n)` without labels, so `sample(n, seed, -1)` serves `gan.generate(n, seed=seed)`.

    Args:
        label: Int32 tensor, as the client sent it: a scalar in [0, C), or -1.
        num_samples: Int32 scalar tensor, already checked.
        num_classes: Int C.

    Returns:
        Int32 tensor [num_samples], to be used only after the checks ran.

    Example:
        >>> sample_labels(tf.constant(-1), tf.constant(4), 3).numpy().tolist()
        [0, 1, 2, 0]
    """
    shape = _sent_shape(label)
    shape_check = tf.debugging.Assert(
        tf.equal(tf.size(shape), 0),
        [f"label must be a scalar: one class index in [0, {num_classes}) for num_samples samples of that class, "
         "or -1 for a class-balanced mix. Got label shape", shape],
    )
    with tf.control_dependencies([shape_check]):
        in_range = tf.reduce_all(tf.logical_and(label >= conditional.MIX, label < num_classes))
        range_check = tf.debugging.Assert(
            in_range,
            [f"label must be a class index in [0, {num_classes}) (num_classes of this export), or -1 for a "
             "class-balanced mix. Got label", label],
        )
    with tf.control_dependencies([range_check]):
        label = tf.reshape(label, [])
    mix = conditional.mix_labels(num_samples, num_classes)
    return tf.where(tf.equal(label, conditional.MIX), mix, tf.fill([num_samples], label))


def _sent_shape(scalar):
    """The shape a client sent for an input the signature declares a scalar (there, tf.shape folds to [])."""
    # A few bytes for a scalar; only a malformed request makes it more.
    return tf.shape(tf.io.parse_tensor(tf.io.serialize_tensor(scalar), scalar.dtype))
