"""DCGAN convolutional networks (Radford et al., 2016) with width and depth as arguments.

G: dense → (H/2^d, W/2^d, f·2^(d-1)) → d transposed convolutions, each doubling the resolution and halving the
channels, the last one to the image; batch norm and ReLU between them. D: d strided convolutions with LeakyReLU(0.2),
doubling the channels from f, then one logit; no batch norm (so D scores each example on its own, as the gradient
penalties need), optionally spectrally normalised (Miyato et al., 2018).
"""

import keras

_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh"}


def _check_image_shape(shape, what, depth=2):
    shape = tuple(int(d) for d in shape)
    factor = 2**depth
    if len(shape) != 3 or shape[0] % factor or shape[1] % factor:
        raise ValueError(
            f"{what} must be (height, width, channels) with height and width divisible by {factor} ({depth} stride-2 "
            f"stages), got {shape}. Pad or resize the images (e.g. to (28, 28, 1) with depth 2, or (32, 32, 3) with "
            "depth up to 5), or lower the depth."
        )
    return shape


def _check_depth(depth):
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an int >= 1 (stride-2 stages), got {depth!r}.")


def dcgan_generator(
    latent_dim=100, output_shape=(28, 28, 1), base_filters=32, output_activation="sigmoid", depth=2, seed=None,
    name="generator",
):
    """A DCGAN generator: dense → depth transposed convolutions → image, batch norm and ReLU in between.

    Args:
        latent_dim: Positive int, size of z.
        output_shape: (height, width, channels), height and width divisible by 2^depth.
        base_filters: Positive int f, the width: the hidden feature maps have f·2^(depth-1), ..., 2f, f channels.
        output_activation: "sigmoid" for images in [0, 1] or "tanh" for [-1, 1].
        depth: Positive int d, the number of stride-2 stages (28×28 images allow 2; 32×32 up to 5).
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, latent_dim] to [batch, *output_shape].

    Raises:
        ValueError: if the shape cannot be built by `depth` stride-2 stages or the activation is unknown.

    Example:
        >>> dcgan_generator(latent_dim=16, base_filters=8)(keras.ops.zeros((2, 16))).shape
        (2, 28, 28, 1)
    """
    _check_depth(depth)
    height, width, channels = _check_image_shape(output_shape, "output_shape", depth)
    if output_activation not in _ACTIVATIONS:
        raise ValueError(f"output_activation must be one of {sorted(_ACTIVATIONS)}, got {output_activation!r}.")
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    z = keras.Input((latent_dim,), name="z")
    x = generator_body(z, (height, width, channels), base_filters, output_activation, depth, init)
    return keras.Model(z, x, name=name)


def dcgan_discriminator(
    input_shape=(28, 28, 1), base_filters=32, depth=2, spectral_norm=False, seed=None, name="discriminator"
):
    """A DCGAN discriminator: depth strided convolutions with LeakyReLU(0.2) → 1 logit, no batch norm.

    Args:
        input_shape: (height, width, channels), height and width divisible by 2^depth.
        base_filters: Positive int f, the width: the feature maps have f, 2f, ..., f·2^(depth-1) channels.
        depth: Positive int d, the number of stride-2 convolutions.
        spectral_norm: Bool; wraps every convolution and the output layer in `keras.layers.SpectralNormalization`
            (one power iteration per training call; its vector u is a saved, non-trainable weight).
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, *input_shape] to logits [batch, 1].

    Raises:
        ValueError: if the shape is not (H, W, C) with H and W divisible by 2^depth.

    Example:
        >>> dcgan_discriminator(base_filters=8, spectral_norm=True)(keras.ops.zeros((2, 28, 28, 1))).shape
        (2, 1)
    """
    _check_depth(depth)
    input_shape = _check_image_shape(input_shape, "input_shape", depth)
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    x = keras.Input(input_shape, name="x")
    features = discriminator_features(x, base_filters, depth, spectral_norm, init)
    logit = _maybe_normalised(keras.layers.Dense(1, kernel_initializer=init, name="logit"), spectral_norm)(features)
    return keras.Model(x, logit, name=name)


# The two bodies, shared with the conditional networks (keras_gan.networks.conditional).


def generator_body(h, image_shape, base_filters, output_activation, depth, init):
    """DCGAN G from a flat input tensor `h` (z, or z with a label embedding) to the image tensor."""
    height, width, channels = image_shape
    factor = 2**depth
    filters = base_filters * 2 ** (depth - 1)
    h = keras.layers.Dense((height // factor) * (width // factor) * filters, use_bias=False, kernel_initializer=init)(h)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.ReLU()(h)
    h = keras.layers.Reshape((height // factor, width // factor, filters))(h)
    for _ in range(depth - 1):
        filters //= 2
        h = keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=init)(h)
        h = keras.layers.BatchNormalization()(h)
        h = keras.layers.ReLU()(h)
    return keras.layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation=output_activation, kernel_initializer=init, name="image"
    )(h)


def discriminator_features(x, base_filters, depth, spectral_norm, init):
    """DCGAN D's features φ(x) from an image tensor: depth strided convolutions with LeakyReLU(0.2), flattened."""
    h = x
    for stage in range(depth):
        conv = keras.layers.Conv2D(base_filters * 2**stage, 4, strides=2, padding="same", kernel_initializer=init)
        h = _maybe_normalised(conv, spectral_norm)(h)
        h = keras.layers.LeakyReLU(0.2)(h)
    return keras.layers.Flatten()(h)


def _maybe_normalised(layer, spectral_norm):
    return keras.layers.SpectralNormalization(layer) if spectral_norm else layer
