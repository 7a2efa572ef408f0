"""Regularisers of the discriminator that need its gradient with respect to its input.

Both are pure functions of (discriminator, examples) that `GAN.train_step` adds to D's loss inside the one
compiled step (`GAN.compile(gradient_penalty=λ, r1_penalty=γ, r1_interval=N)`):

- `gradient_penalty`: WGAN-GP (Gulrajani et al., 2017), λ·E[(‖∇D(x̂)‖₂ - 1)²] at x̂ = αx + (1 - α)G(z), α ~ U[0, 1]
  per example. Two pitfalls of published code are avoided: α is uniform (not normal, which extrapolates past the
  segment), and the norm is sqrt(‖g‖² + ε), whose gradient is finite when g = 0 (sqrt's is not: NaN).
- `r1_penalty`: R1 (Mescheder et al., 2018), (γ/2)·E[‖∇D(x)‖²] on data only; no square root at all. StyleGAN2's
  lazy form applies it every N discriminator updates with weight N·γ/2, the same penalty on average.

Both need D to score each example on its own (no batch normalization): the per-example gradient is taken as the
gradient of the batch's summed scores.
"""

import tensorflow as tf
from keras import ops

__all__ = ["gradient_penalty", "input_gradients", "r1_penalty"]

# Keeps sqrt's derivative finite at a zero gradient; far below any gradient norm that matters (the target is 1).
_NORM_EPSILON = 1e-12


def input_gradients(discriminator, examples):
    """∇ₓ D(x) for each example: the gradient of the summed scores with respect to the inputs.

    Args:
        discriminator: A model mapping examples to one score per example, each independent of the rest of the batch.
        examples: Float tensor [m, ...].

    Returns:
        Float32 tensor [m, prod(...)], one flattened gradient per example.

    Example:
        >>> d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])  # doctest: +SKIP
        >>> input_gradients(d, ops.ones((3, 2))).shape  # doctest: +SKIP
        TensorShape([3, 2])
    """
    examples = tf.convert_to_tensor(examples)
    with tf.GradientTape() as tape:
        tape.watch(examples)
        scores = ops.cast(discriminator(examples, training=True), "float32")
    # The gradient of a non-scalar target is that of its sum: per example, since examples don't interact.
    grads = tape.gradient(scores, examples)
    return ops.reshape(ops.cast(grads, "float32"), (ops.shape(examples)[0], -1))


def gradient_penalty(discriminator, real, fake, alpha):
    """WGAN-GP's penalty E[(‖∇D(x̂)‖₂ - 1)²] on points x̂ = αx + (1 - α)x̃ between data and samples.

    Args:
        discriminator: The critic; each example scored on its own.
        real: Float tensor [m, ...], data examples.
        fake: Float tensor [m, ...], generated examples (no gradient flows to G through them).
        alpha: Float tensor [m], the interpolation weights, drawn U[0, 1] per example.

    Returns:
        Float32 scalar, unweighted (the caller multiplies by λ, 10 in the paper).

    Example:
        >>> d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])  # doctest: +SKIP
        >>> float(gradient_penalty(d, ops.ones((4, 2)), ops.zeros((4, 2)), ops.ones(4)))  # ‖(1, 1)‖ = √2  # doctest: +SKIP
        0.1715...
    """
    dtype = real.dtype
    alpha = ops.reshape(ops.cast(alpha, dtype), (-1,) + (1,) * (len(real.shape) - 1))
    between = alpha * real + (1.0 - alpha) * ops.stop_gradient(ops.cast(fake, dtype))
    grads = input_gradients(discriminator, between)
    norms = ops.sqrt(ops.sum(ops.square(grads), axis=1) + _NORM_EPSILON)
    return ops.mean(ops.square(norms - 1.0))


def r1_penalty(discriminator, real):
    """R1's penalty E[‖∇D(x)‖²] on data examples.

    Args:
        discriminator: The discriminator; each example scored on its own.
        real: Float tensor [m, ...], data examples.

    Returns:
        Float32 scalar, unweighted (the caller multiplies by γ/2).

    Example:
        >>> d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="ones")])  # doctest: +SKIP
        >>> float(r1_penalty(d, ops.ones((4, 2))))  # ‖(1, 1)‖² = 2  # doctest: +SKIP
        2.0
    """
    return ops.mean(ops.sum(ops.square(input_gradients(discriminator, real)), axis=1))
