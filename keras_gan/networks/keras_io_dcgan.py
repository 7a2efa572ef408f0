"""The keras.io DCGAN's networks ("DCGAN to generate face images", `dcgan_overriding_train_step`), for 28×28.

The quality benchmark's baseline: the peer recipe a Keras user finds first, built from Keras layers as the example
builds it. The example makes 64×64 faces with three stride-2 stages in each network; for 28×28 images the generator
keeps two (7 → 14 → 28) and the discriminator keeps its three convolutions ('same' padding: 28 → 14 → 7 → 4).
`width` scales every layer's channels (1.0 is the example's 64/128/128 in D and 128/256 in G) so the baseline can
be run at the same cost as the configs it is compared with.
"""

import keras


def _channels(n, width):
    return max(1, int(round(n * width)))


def keras_io_generator(latent_dim=128, output_shape=(28, 28, 1), width=1.0, seed=None, name="generator"):
    """The keras.io DCGAN generator: Dense → Reshape → ConvT(s2) ×2 with LeakyReLU(0.2) → Conv 5×5 sigmoid.

    No batch normalisation, as in the example.

    Args:
        latent_dim: Positive int (the example uses 128).
        output_shape: (height, width, channels), height and width divisible by 4.
        width: Positive float scaling all channel counts (1.0: the example's 128 and 256).
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, latent_dim] to images in [0, 1].

    Example:
        >>> keras_io_generator(16, width=0.125)(keras.ops.zeros((2, 16))).shape
        (2, 28, 28, 1)
    """
    height, wide, channels = (int(d) for d in output_shape)
    if height % 4 or wide % 4:
        raise ValueError(f"output_shape must have height and width divisible by 4, got {tuple(output_shape)}.")
    init = keras.initializers.GlorotUniform(seed=seed)
    z = keras.Input((latent_dim,), name="z")
    h = keras.layers.Dense((height // 4) * (wide // 4) * _channels(128, width), kernel_initializer=init)(z)
    h = keras.layers.Reshape((height // 4, wide // 4, _channels(128, width)))(h)
    for filters in (128, 256):
        h = keras.layers.Conv2DTranspose(_channels(filters, width), 4, strides=2, padding="same",
                                         kernel_initializer=init)(h)
        h = keras.layers.LeakyReLU(0.2)(h)
    x = keras.layers.Conv2D(channels, 5, padding="same", activation="sigmoid", kernel_initializer=init,
                            name="image")(h)
    return keras.Model(z, x, name=name)


def keras_io_discriminator(input_shape=(28, 28, 1), width=1.0, seed=None, name="discriminator"):
    """The keras.io DCGAN discriminator: Conv(s2) ×3 with LeakyReLU(0.2) → Flatten → Dropout(0.2) → 1 logit.

    The example ends in a sigmoid; here the logit is returned and the losses apply the sigmoid stably.

    Args:
        input_shape: (height, width, channels).
        width: Positive float scaling all channel counts (1.0: the example's 64, 128, 128).
        seed: Optional int that fixes the initial weights and the dropout stream.
        name: Model name.

    Returns:
        A `keras.Model` mapping images to logits [batch, 1].

    Example:
        >>> keras_io_discriminator(width=0.125)(keras.ops.zeros((2, 28, 28, 1))).shape
        (2, 1)
    """
    init = keras.initializers.GlorotUniform(seed=seed)
    x = keras.Input(tuple(int(d) for d in input_shape), name="x")
    h = x
    for filters in (64, 128, 128):
        h = keras.layers.Conv2D(_channels(filters, width), 4, strides=2, padding="same", kernel_initializer=init)(h)
        h = keras.layers.LeakyReLU(0.2)(h)
    h = keras.layers.Flatten()(h)
    h = keras.layers.Dropout(0.2, seed=seed)(h)
    logit = keras.layers.Dense(1, kernel_initializer=init, name="logit")(h)
    return keras.Model(x, logit, name=name)
