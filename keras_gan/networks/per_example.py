"""Whether a network maps each example independently of the rest of its batch.

When it does, D([a; b]) = [D(a); D(b)] exactly, so a GAN may run its discriminator once over the concatenated
[real; fake] minibatch (`GAN(joint_discriminator_pass=True)`). The architecture builders decide that with
`acts_per_example`; `keras_gan.GAN` itself knows nothing about particular layers.

A layer declares it with a class attribute `acts_per_example = True` (the package's `Maxout` and `HashDropout`
do); Keras's own layers that qualify are listed here. Not on the list: `BatchNormalization` (batch statistics) and
`keras.layers.Dropout` (per-example maths, but its Philox masks for the doubled batch hit a slow XLA CPU fusion).
"""

import keras

__all__ = ["acts_per_example"]

_KERAS_PER_EXAMPLE = tuple(
    getattr(keras.layers, name)
    for name in (
        "InputLayer", "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
        "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Activation",
        "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Flatten", "Reshape", "Permute", "Identity", "Rescaling",
        "LayerNormalization", "GroupNormalization", "UnitNormalization", "ZeroPadding1D", "ZeroPadding2D",
        "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "MaxPooling1D", "MaxPooling2D",
        "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
        "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
        "Concatenate",
    )
    if hasattr(keras.layers, name)
)


def acts_per_example(layer):
    """True if `layer` (a layer, `Sequential` or functional model) maps each example independently.

    Exact types only: a subclass of a listed layer may override `call`, so it must declare
    `acts_per_example = True` itself. A functional model qualifies when all its operations do (raw ops such as
    `keras.ops.mean(x, axis=0)` do not).

    Args:
        layer: A `keras.layers.Layer`.

    Returns:
        Bool.

    Example:
        >>> acts_per_example(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))
        True
    """
    kind = type(layer)
    if kind in (keras.Model, keras.Sequential) or kind.__name__ == "Functional":
        parts = layer.layers if isinstance(layer, keras.Sequential) else layer.operations
        return all(acts_per_example(part) for part in parts)
    return kind in _KERAS_PER_EXAMPLE or kind.__dict__.get("acts_per_example", False) is True
