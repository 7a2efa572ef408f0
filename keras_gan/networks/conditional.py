"""Class-conditional DCGAN networks: G(z, c) and two ways for D to see the label c.

* `conditional_generator`: a learned label embedding concatenated to z (Mirza & Osindero, 2014), then the DCGAN
  generator body.
* `concat_discriminator`: Mirza & Osindero's D. Here the label's embedding is a learned H×W map stacked on the image
  as one more channel, so the first convolution already sees which class it judges.
* `projection_discriminator`: Miyato & Koyama (2018): logit = ψ(φ(x)) + ⟨embed(c), φ(x)⟩ over the DCGAN features
  φ(x). The label enters as an inner product with the features rather than as an input: the stronger option, and
  the one `cgan_fashion_mnist` uses.

All take labels as int32 [batch] (the second input) and share `dcgan.py`'s bodies, so a conditional model differs
from its unconditional twin only where the label enters.
"""

import keras

from keras_gan.networks.dcgan import (
    _check_depth, _check_image_shape, _maybe_normalised, discriminator_features, generator_body,
)

__all__ = ["concat_discriminator", "conditional_generator", "projection_discriminator"]


def _check_classes(num_classes):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}.")


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def conditional_generator(
    latent_dim=100, num_classes=10, output_shape=(28, 28, 1), base_filters=32, output_activation="sigmoid", depth=2,
    embedding_dim=50, seed=None, name="generator",
):
    """A DCGAN generator of p(x | c): [z, embed(c)] → dense → transposed convolutions → image.

    Args:
        latent_dim: Positive int, size of z.
        num_classes: Int C >= 2.
        output_shape: (height, width, channels), height and width divisible by 2^depth.
        base_filters: Positive int, the width (as `dcgan_generator`).
        output_activation: "sigmoid" for images in [0, 1] or "tanh" for [-1, 1].
        depth: Positive int, stride-2 stages.
        embedding_dim: Positive int, size of the learned label embedding concatenated to z.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [z [batch, latent_dim], labels int32 [batch]] to [batch, *output_shape].

    Raises:
        ValueError: for fewer than 2 classes or a shape `depth` stages cannot build.

    Example:
        >>> g = conditional_generator(latent_dim=16, num_classes=10, base_filters=8)
        >>> g([keras.ops.zeros((2, 16)), keras.ops.array([3, 7], "int32")]).shape
        (2, 28, 28, 1)
    """
    _check_classes(num_classes)
    _check_depth(depth)
    image_shape = _check_image_shape(output_shape, "output_shape", depth)
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    z = keras.Input((latent_dim,), name="z")
    label = _label_input()
    embedded = keras.layers.Embedding(num_classes, embedding_dim, embeddings_initializer=init, name="label_embedding")(label)
    h = keras.layers.Concatenate()([z, embedded])
    x = generator_body(h, image_shape, base_filters, output_activation, depth, init)
    return keras.Model([z, label], x, name=name)


def concat_discriminator(
    input_shape=(28, 28, 1), num_classes=10, base_filters=32, depth=2, spectral_norm=False, seed=None,
    name="discriminator",
):
    """Mirza & Osindero's conditional D: the label as a learned H×W map stacked on the image, then DCGAN's D.

    Args:
        input_shape: (height, width, channels), height and width divisible by 2^depth.
        num_classes: Int C >= 2.
        base_filters: Positive int, the width (as `dcgan_discriminator`).
        depth: Positive int, stride-2 convolutions.
        spectral_norm: Bool; spectrally normalised convolutions and logit layer.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [images, labels int32 [batch]] to logits [batch, 1].

    Raises:
        ValueError: for fewer than 2 classes or a shape `depth` stages cannot handle.

    Example:
        >>> d = concat_discriminator(num_classes=10, base_filters=8)
        >>> d([keras.ops.zeros((2, 28, 28, 1)), keras.ops.array([0, 9], "int32")]).shape
        (2, 1)
    """
    _check_classes(num_classes)
    _check_depth(depth)
    height, width, channels = _check_image_shape(input_shape, "input_shape", depth)
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    x = keras.Input((height, width, channels), name="x")
    label = _label_input()
    label_map = keras.layers.Embedding(num_classes, height * width, embeddings_initializer=init,
                                       name="label_map")(label)
    label_map = keras.layers.Reshape((height, width, 1))(label_map)
    features = discriminator_features(keras.layers.Concatenate()([x, label_map]), base_filters, depth,
                                      spectral_norm, init)
    logit = _maybe_normalised(keras.layers.Dense(1, kernel_initializer=init, name="logit"), spectral_norm)(features)
    return keras.Model([x, label], logit, name=name)


def projection_discriminator(
    input_shape=(28, 28, 1), num_classes=10, base_filters=32, depth=2, spectral_norm=False, seed=None,
    name="discriminator",
):
    """Miyato & Koyama's projection D: logit = ψ(φ(x)) + ⟨embed(c), φ(x)⟩ over DCGAN's features φ(x).

    Args:
        input_shape: (height, width, channels), height and width divisible by 2^depth.
        num_classes: Int C >= 2.
        base_filters: Positive int, the width (as `dcgan_discriminator`).
        depth: Positive int, stride-2 convolutions.
        spectral_norm: Bool; spectrally normalised convolutions, logit layer and class embedding (as in the
            paper).
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [images, labels int32 [batch]] to logits [batch, 1].

    Raises:
        ValueError: for fewer than 2 classes or a shape `depth` stages cannot handle.

    Example:
        >>> d = projection_discriminator(num_classes=10, base_filters=8, spectral_norm=True)
        >>> d([keras.ops.zeros((2, 28, 28, 1)), keras.ops.array([0, 9], "int32")]).shape
        (2, 1)
    """
    _check_classes(num_classes)
    _check_depth(depth)
    image_shape = _check_image_shape(input_shape, "input_shape", depth)
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    x = keras.Input(image_shape, name="x")
    label = _label_input()
    features = discriminator_features(x, base_filters, depth, spectral_norm, init)
    unconditional = _maybe_normalised(keras.layers.Dense(1, kernel_initializer=init, name="logit"), spectral_norm)(features)
    # The class embedding V as a bias-free Dense over one-hot labels: the same [C, F] matrix as an Embedding, but
    # one keras.layers.SpectralNormalization can wrap (Keras 3.15 casts a wrapped Embedding's output to the labels'
    # int dtype, which zeroes it and its gradient).
    one_hot = keras.layers.CategoryEncoding(num_classes, output_mode="one_hot", name="one_hot")(label)
    embedding = keras.layers.Dense(features.shape[-1], use_bias=False, kernel_initializer=init, name="class_embedding")
    embedded = _maybe_normalised(embedding, spectral_norm)(one_hot)
    # ⟨V c, φ(x)⟩ as a product and a sum: keras.layers.Dot's batch_dot breaks XLA's conditional (lazy R1) once a
    # retrace leaves the batch size unknown.
    projection = keras.ops.sum(keras.layers.Multiply(name="projection")([embedded, features]), axis=1, keepdims=True)
    logit = keras.layers.Add(name="conditional_logit")([unconditional, projection])
    return keras.Model([x, label], logit, name=name)
