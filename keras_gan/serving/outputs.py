"""What a generator's export serves: images (H, W, C) in [0, 1], or vectors of its own output shape.

`resolve` reads it from the generator's output shape and last activation, or checks what the caller said.
Flat outputs of s*s or 3*s*s values (s >= 2) are taken for square images, as `keras_gan.pictures` tiles them;
`outputs="vectors"` says otherwise.
"""

import math

import keras

from keras_gan import checks
from keras_gan import pictures
from keras_gan.serving import signatures as sig

__all__ = ["OUTPUTS", "resolve"]

OUTPUTS = ("auto", *sig.KINDS)
# Layers that only move values around; the generator's output range is set by the layer before them.
_SHAPE_ONLY_LAYERS = ("Reshape", "Flatten", "Identity", "Dropout", "InputLayer", "Permute")


def resolve(generator, latent_dim, outputs="auto", image_shape=None, output_range=None, num_classes=None):
    """Returns what an export of `generator` serves: (kind, sample_shape, output_range).

    Args:
        generator: A `keras.Model` mapping [batch, latent_dim] (or `[z, labels]`) to samples.
        latent_dim: Positive int, the width of z.
        outputs: "images", "vectors" or "auto" (see `keras_gan.export.export_generator`).
        image_shape: Optional (H, W, C) the output is reshaped to; implies images.
        output_range: Optional "sigmoid" or "tanh" for images; None reads it from the last activation.
        num_classes: None, or the class count of a conditional generator, which takes `[z, labels [batch]]`.

    Returns:
        (kind, sample_shape, output_range): "images", (H, W, C) and "sigmoid" or "tanh"; or "vectors", the
        generator's output shape without the batch, and None.

    Raises:
        ValueError: if an argument is invalid or disagrees with the generator; the message says what to pass.

    Example:
        >>> resolve(keras_gan.networks.mlp_generator(2, 2), 2)
        ('vectors', (2,), None)
    """
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs must be one of {OUTPUTS}, got {outputs!r}.")
    input_shape = (None, latent_dim) if num_classes is None else [(None, latent_dim), (None,)]
    out_shape = tuple(generator.compute_output_shape(input_shape))[1:]
    if any(d is None for d in out_shape):
        raise ValueError(f"The generator's output shape {out_shape} is not fully known; it must be fixed.")
    if outputs == "vectors":
        if image_shape is not None or output_range is not None:
            raise ValueError(
                "image_shape and output_range describe images; drop them for outputs='vectors', or pass "
                "outputs='images'."
            )
        return "vectors", out_shape, None
    if image_shape is None:
        image_shape = _image_shape_of(out_shape)
        if image_shape is None:
            if outputs == "auto":
                return "vectors", out_shape, None
            raise ValueError(
                f"Cannot infer the image shape of the generator's output {out_shape}; pass image_shape=(H, W, C), "
                "or outputs='vectors' for samples that are not images."
            )
    return "images", _check_image_shape(image_shape, out_shape), _resolve_output_range(generator, output_range)


def _image_shape_of(out_shape):
    """(H, W, C) for an [H, W, C], [H, W] or square flat output, else None."""
    if len(out_shape) == 3:
        return out_shape
    if len(out_shape) == 2:
        return out_shape + (1,)
    if len(out_shape) == 1:
        for channels in (1, 3):
            side = math.isqrt(out_shape[0] // channels)
            # Side 1 would make every 1-D and 3-D point a one-pixel picture.
            if side >= 2 and side * side * channels == out_shape[0]:
                return (side, side, channels)
    return None


def _check_image_shape(image_shape, out_shape):
    image_shape = tuple(image_shape) if isinstance(image_shape, (tuple, list)) else (image_shape,)
    if len(image_shape) != 3 or not all(checks.is_positive_int(d) for d in image_shape):
        raise ValueError(f"image_shape must be (height, width, channels) of positive ints, got {image_shape!r}.")
    image_shape = tuple(int(d) for d in image_shape)
    if math.prod(image_shape) != math.prod(out_shape):
        raise ValueError(
            f"image_shape={image_shape} holds {math.prod(image_shape)} values but the generator emits "
            f"{math.prod(out_shape)} (output shape {out_shape}); pass a shape with the same number of values."
        )
    return image_shape


def _last_activation(generator):
    """Returns "sigmoid", "tanh", another activation name, or None when it cannot be read."""
    for layer in reversed(generator.layers):
        if type(layer).__name__ in _SHAPE_ONLY_LAYERS:
            continue
        if isinstance(layer, keras.Model):
            return _last_activation(layer)
        activation = getattr(layer, "activation", None)  # Not every layer has one (BatchNormalization, ...).
        return getattr(activation, "__name__", None)
    return None


def _resolve_output_range(generator, output_range):
    found = _last_activation(generator)
    if output_range is None:
        if found not in pictures.IMAGE_RANGES:
            raise ValueError(
                f"Cannot tell the generator's output range from its last activation ({found!r}); pass "
                "output_range='sigmoid' for outputs in [0, 1] or 'tanh' for outputs in [-1, 1], or "
                "outputs='vectors' to serve the raw values."
            )
        return found
    if output_range not in pictures.IMAGE_RANGES:
        raise ValueError(f"output_range must be 'sigmoid' or 'tanh', got {output_range!r}.")
    if found in pictures.IMAGE_RANGES and found != output_range:
        raise ValueError(
            f"output_range={output_range!r} but the generator ends in {found}; pass output_range={found!r} "
            "(or None to infer it)."
        )
    return output_range
