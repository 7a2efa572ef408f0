"""The paper's MNIST networks (goodfeli/adversarial mnist.yaml): an MLP generator and a maxout discriminator."""

import math

import keras
import numpy as np

from keras_gan.networks.hash_dropout import HashDropout
from keras_gan.networks.maxout import Maxout


def _seed(seed, offset):
    # Each initializer / dropout layer gets its own seed so that one `seed` fixes the whole network.
    return None if seed is None else seed + offset


def output_bias_from_data(images, eps=1e-3):
    """The generator's output bias that makes sigmoid(bias) equal each pixel's mean intensity in the data.

    This is pylearn2's `init_bias_from_marginals`, which the paper's code uses: G starts out emitting the average
    image rather than flat grey.

    Args:
        images: Array-like [n, ...] of training images in [0, 1].
        eps: Small float; marginals are clipped to [eps, 1 - eps] so the logit stays finite.

    Returns:
        np.ndarray float32 [prod(image shape)], logit of the per-pixel mean.

    Raises:
        ValueError: if `images` is empty or has values outside [0, 1].

    Example:
        >>> output_bias_from_data(np.full((10, 4), 0.5))
        array([0., 0., 0., 0.], dtype=float32)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.size == 0 or images.ndim < 2:
        raise ValueError("output_bias_from_data needs a non-empty batch of images [n, ...].")
    if images.min() < 0 or images.max() > 1:
        raise ValueError(
            f"output_bias_from_data needs images in [0, 1] (the sigmoid generator's range); got values in "
            f"[{images.min():.3g}, {images.max():.3g}]. Scale the images first."
        )
    mean = np.clip(images.reshape(len(images), -1).mean(axis=0), eps, 1 - eps)
    return np.log(mean / (1 - mean)).astype("float32")


def paper_generator(
    latent_dim=100,
    output_shape=(784,),
    hidden_units=(1200, 1200),
    init_scale=0.05,
    output_bias=None,
    seed=None,
    name="generator",
):
    """The paper's MNIST generator: z → 1200 ReLU → 1200 ReLU → 784 sigmoid.

    Args:
        latent_dim: Positive int, size of z (100 in the paper).
        output_shape: Tuple, shape of one generated example: (784,) flat as in the paper, or (28, 28, 1) for HWC.
        hidden_units: Tuple of positive ints, the hidden ReLU layers' widths.
        init_scale: Float, weights are drawn uniformly from [-init_scale, init_scale] (0.05 in the paper).
        output_bias: None (zeros), a float, or an array [prod(output_shape)], e.g. from `output_bias_from_data`.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, latent_dim] to [batch, *output_shape] in (0, 1).

    Raises:
        ValueError: if a size is not positive or `output_bias` has the wrong length.

    Example:
        >>> g = paper_generator(latent_dim=100)
        >>> g(np.zeros((2, 100), "float32")).shape
        (2, 784)
    """
    output_shape = tuple(int(d) for d in output_shape)
    output_dim = math.prod(output_shape)
    if latent_dim < 1 or output_dim < 1 or any(u < 1 for u in hidden_units):
        raise ValueError(
            f"paper_generator sizes must be positive: latent_dim={latent_dim}, output_shape={output_shape}, "
            f"hidden_units={hidden_units}."
        )
    if output_bias is None:
        output_bias = 0.0
    bias = np.broadcast_to(np.asarray(output_bias, "float32"), (output_dim,)) if np.ndim(output_bias) == 0 else (
        np.asarray(output_bias, "float32").reshape(-1)
    )
    if bias.shape != (output_dim,):
        raise ValueError(
            f"output_bias has {bias.size} values but the generator emits {output_dim}; pass one value per output "
            "(output_bias_from_data(train_images)) or a scalar."
        )
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i, units in enumerate(hidden_units):
        init = keras.initializers.RandomUniform(-init_scale, init_scale, seed=_seed(seed, i))
        h = keras.layers.Dense(units, activation="relu", kernel_initializer=init, name=f"h{i}")(h)
    init = keras.initializers.RandomUniform(-init_scale, init_scale, seed=_seed(seed, len(hidden_units)))
    x = keras.layers.Dense(
        output_dim,
        activation="sigmoid",
        kernel_initializer=init,
        bias_initializer=keras.initializers.Constant(bias.tolist()),
        name="x",
    )(h)
    if output_shape != (output_dim,):
        x = keras.layers.Reshape(output_shape, name="image")(x)
    return keras.Model(z, x, name=name)


def paper_discriminator(
    input_shape=(784,),
    units=240,
    pieces=5,
    hidden_layers=2,
    init_scale=0.005,
    input_keep=0.8,
    hidden_keep=0.5,
    seed=None,
    fast_dropout=False,
    name="discriminator",
):
    """The paper's MNIST discriminator: maxout (240 × 5) → maxout (240 × 5) → 1 logit, with dropout.

    Dropout follows pylearn2's convention in the paper's code: it is applied to each layer's *input*, keeping
    inputs with probability `input_keep` (0.8) and hidden units with `hidden_keep` (0.5), scaled by 1/keep.

    Args:
        input_shape: Tuple, shape of one example; images are flattened.
        units: Positive int, maxout units per hidden layer (240).
        pieces: Positive int, pieces per maxout unit (5).
        hidden_layers: Positive int, number of maxout layers (2).
        init_scale: Float, weights are drawn uniformly from [-init_scale, init_scale] (0.005 in the paper).
        input_keep: Float in (0, 1], keep probability of the input dropout.
        hidden_keep: Float in (0, 1], keep probability of the hidden dropout.
        seed: Optional int that fixes the initial weights and the dropout masks' stream.
        fast_dropout: If True, `HashDropout` (the same maths, cheap hash masks, identical with and without XLA, and
            lets the GAN run D once over [real; fake]) instead of `keras.layers.Dropout`; ~15 % faster steps on CPU
            (BENCHMARKS.md).
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, *input_shape] to logits [batch, 1].

    Raises:
        ValueError: if a keep probability is outside (0, 1] or a size is not positive.

    Example:
        >>> d = paper_discriminator()
        >>> d(np.zeros((2, 784), "float32")).shape
        (2, 1)
    """
    for label, keep in (("input_keep", input_keep), ("hidden_keep", hidden_keep)):
        if not 0 < keep <= 1:
            raise ValueError(f"{label} is a keep probability and must be in (0, 1], got {keep}.")
    if hidden_layers < 1:
        raise ValueError(f"hidden_layers must be at least 1, got {hidden_layers}.")
    x = keras.Input(tuple(input_shape), name="x")
    h = keras.layers.Flatten(name="flatten")(x) if len(input_shape) > 1 else x
    dropout = HashDropout if fast_dropout else keras.layers.Dropout
    keep = input_keep
    for i in range(hidden_layers):
        h = dropout(1 - keep, seed=_seed(seed, 100 + i), name=f"dropout{i}")(h)
        init = keras.initializers.RandomUniform(-init_scale, init_scale, seed=_seed(seed, i))
        h = Maxout(units, pieces, kernel_initializer=init, name=f"maxout{i}")(h)
        keep = hidden_keep
    h = dropout(1 - keep, seed=_seed(seed, 100 + hidden_layers), name=f"dropout{hidden_layers}")(h)
    init = keras.initializers.RandomUniform(-init_scale, init_scale, seed=_seed(seed, hidden_layers))
    logit = keras.layers.Dense(1, kernel_initializer=init, name="logit")(h)
    return keras.Model(x, logit, name=name)
