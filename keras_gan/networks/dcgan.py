"""DCGAN-style convolutional networks (Radford et al., 2016), sized for small images on a CPU."""

import keras

_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh"}


def _check_image_shape(shape, what):
    shape = tuple(int(d) for d in shape)
    if len(shape) != 3 or shape[0] % 4 or shape[1] % 4:
        raise ValueError(
            f"{what} must be (height, width, channels) with height and width divisible by 4 (two stride-2 "
            f"stages), got {shape}. Pad or resize the images, e.g. to (28, 28, 1) or (32, 32, 3)."
        )
    return shape


def dcgan_generator(
    latent_dim=100, output_shape=(28, 28, 1), base_filters=32, output_activation="sigmoid", seed=None, name="generator"
):
    """A DCGAN generator: dense → (H/4, W/4, 2f) → transposed conv ×2 → image, with batch norm and ReLU.

    Args:
        latent_dim: Positive int, size of z.
        output_shape: (height, width, channels), height and width divisible by 4.
        base_filters: Positive int f; the hidden feature maps have 2f and f channels.
        output_activation: "sigmoid" for images in [0, 1] or "tanh" for [-1, 1].
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, latent_dim] to [batch, *output_shape].

    Raises:
        ValueError: if the shape cannot be built by two stride-2 stages or the activation is unknown.

    Example:
        >>> dcgan_generator(latent_dim=16, base_filters=8)(keras.ops.zeros((2, 16))).shape
        (2, 28, 28, 1)
    """
    height, width, channels = _check_image_shape(output_shape, "output_shape")
    if output_activation not in _ACTIVATIONS:
        raise ValueError(f"output_activation must be one of {sorted(_ACTIVATIONS)}, got {output_activation!r}.")
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    z = keras.Input((latent_dim,), name="z")
    h = keras.layers.Dense((height // 4) * (width // 4) * 2 * base_filters, use_bias=False, kernel_initializer=init)(z)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.ReLU()(h)
    h = keras.layers.Reshape((height // 4, width // 4, 2 * base_filters))(h)
    h = keras.layers.Conv2DTranspose(base_filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init)(h)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.ReLU()(h)
    x = keras.layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation=output_activation, kernel_initializer=init, name="image"
    )(h)
    return keras.Model(z, x, name=name)


def dcgan_discriminator(input_shape=(28, 28, 1), base_filters=32, seed=None, name="discriminator"):
    """A DCGAN discriminator: strided conv ×2 with LeakyReLU(0.2) → 1 logit. No batch norm, so D's output for an
    example does not depend on the rest of its batch.

    Args:
        input_shape: (height, width, channels), height and width divisible by 4.
        base_filters: Positive int f; the feature maps have f and 2f channels.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, *input_shape] to logits [batch, 1].

    Raises:
        ValueError: if the shape is not (H, W, C) with H and W divisible by 4.

    Example:
        >>> dcgan_discriminator(base_filters=8)(keras.ops.zeros((2, 28, 28, 1))).shape
        (2, 1)
    """
    input_shape = _check_image_shape(input_shape, "input_shape")
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    x = keras.Input(input_shape, name="x")
    h = keras.layers.Conv2D(base_filters, 4, strides=2, padding="same", kernel_initializer=init)(x)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Conv2D(2 * base_filters, 4, strides=2, padding="same", kernel_initializer=init)(h)
    h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Flatten()(h)
    logit = keras.layers.Dense(1, kernel_initializer=init, name="logit")(h)
    return keras.Model(x, logit, name=name)
