"""Noise for the prior p_z that is bit-identical with and without XLA, on any device.

TF's random ops do not promise that: XLA's Philox/ThreeFry stream differs from the CPU kernels' for the same seed
(checked on TF 2.21: `stateless_uniform` with a variable seed gives other numbers under `jit_compile=True`). Here
each value is a pure function of (seed, position) built from 32-bit integer hashing (Wellons' `lowbias32`), which
every backend computes exactly, so `jit_compile=True` and `False` train on the same noise, and a served generator
gives the same samples for the same seed wherever it runs.
"""

import math

import tensorflow as tf

PRIORS = ("uniform", "normal")
# The prior's default scale s: U[-sqrt(3), sqrt(3)] has unit variance (the paper's MNIST prior); N(0, 1).
DEFAULT_SCALES = {"uniform": math.sqrt(3.0), "normal": 1.0}
_GOLDEN = 0x9E3779B9


def _mix(x):
    # lowbias32: a 32-bit integer hash with near-ideal avalanche (https://nullprogram.com/blog/2018/07/31/).
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))
    x = x * tf.constant(0x7FEB352D, tf.uint32)
    x = tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 15))
    x = x * tf.constant(0x846CA68B, tf.uint32)
    return tf.bitwise.bitwise_xor(x, tf.bitwise.right_shift(x, 16))


def _unit_floats(count, seed, stream):
    """`count` floats, uniform on [0, 1) with 24 random bits each, from one (seed, stream)."""
    seed = tf.cast(tf.bitwise.bitwise_and(tf.cast(seed, tf.int64), 0xFFFFFFFF), tf.uint32)
    key = _mix(seed[0] ^ tf.constant(_GOLDEN * (stream + 1) & 0xFFFFFFFF, tf.uint32))
    key = _mix(key ^ seed[1])
    bits = _mix(_mix(tf.cast(tf.range(count, dtype=tf.int32), tf.uint32) ^ key) + key)
    return tf.cast(tf.bitwise.right_shift(bits, 8), tf.float32) * (2.0**-24)


def sample_prior(shape, seed, prior="uniform", scale=None):
    """Draws noise z ~ p_z as a pure function of `seed`.

    Args:
        shape: Tuple (num_samples, latent_dim); entries may be scalar int tensors.
        seed: Int tensor or array of two ints, e.g. `keras.random.SeedGenerator.next()` or `[seed, 0]`.
        prior: "uniform" for U[-scale, scale] or "normal" for N(0, scale²).
        scale: Positive float; defaults to sqrt(3) for "uniform" (unit variance, the paper's prior), 1 for "normal".

    Returns:
        Float32 tensor of `shape`.

    Raises:
        ValueError: for an unknown prior or a non-positive scale.

    Example:
        >>> sample_prior((2, 100), [0, 0]).shape
        TensorShape([2, 100])
    """
    if prior not in PRIORS:
        raise ValueError(f"Unknown noise prior {prior!r}; use one of {PRIORS}.")
    if scale is None:
        scale = DEFAULT_SCALES[prior]
    if not scale > 0:
        raise ValueError(f"The noise scale must be positive, got {scale!r}.")
    count = tf.reduce_prod(tf.cast(tf.stack(shape), tf.int32))
    u = _unit_floats(count, seed, stream=0)
    if prior == "uniform":
        values = (2.0 * u - 1.0) * scale
    else:
        # Box-Muller on (0, 1] x [0, 1).
        u1 = u + 2.0**-24
        u2 = _unit_floats(count, seed, stream=1)
        values = tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos(2.0 * math.pi * u2) * scale
    return tf.reshape(values, shape)


def sample_unit_uniform(shape, seed):
    """Draws U[0, 1) values as a pure function of `seed`, from the same hash as `sample_prior`.

    The gradient penalty's interpolation weights α use it, so a step with a penalty is as reproducible (with and
    without XLA) as the noise.

    Args:
        shape: Tuple of ints or scalar int tensors.
        seed: Int tensor or array of two ints.

    Returns:
        Float32 tensor of `shape`, values in [0, 1).

    Example:
        >>> float(tf.reduce_max(sample_unit_uniform((1000,), [0, 0]))) < 1.0
        True
    """
    count = tf.reduce_prod(tf.cast(tf.stack(shape), tf.int32))
    return tf.reshape(_unit_floats(count, seed, stream=2), shape)
