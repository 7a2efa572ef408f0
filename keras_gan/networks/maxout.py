"""The maxout layer (Goodfellow et al., 2013) used by the paper's discriminator."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class Maxout(keras.layers.Layer):
    """Maxout units: each of `units` outputs is the max over `pieces` affine pieces of the input.

    y_j = max_{p < pieces} (x · W[:, j, p] + b[j, p]). One matmul computes all pieces, so a Maxout(240, 5) costs
    the same as a Dense(1200).

    Args:
        units: Positive int, number of maxout units (outputs).
        pieces: Positive int, affine pieces per unit.
        kernel_initializer: Initializer for the [input_dim, units * pieces] kernel.
        bias_initializer: Initializer for the [units * pieces] bias.
        **kwargs: Passed to `keras.layers.Layer`.

    Raises:
        ValueError: if `units` or `pieces` is not a positive int.

    Example:
        >>> layer = Maxout(240, 5)
        >>> layer(ops.zeros((2, 784))).shape
        (2, 240)
    """

    # Each example's output depends on that example alone (see `keras_gan.networks.acts_per_example`).
    acts_per_example = True

    def __init__(self, units, pieces, kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("units", units), ("pieces", pieces)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Maxout {name} must be a positive int, got {value!r}.")
        self.units = units
        self.pieces = pieces
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel", shape=(input_shape[-1], self.units * self.pieces), initializer=self.kernel_initializer
        )
        self.bias = self.add_weight(name="bias", shape=(self.units * self.pieces,), initializer=self.bias_initializer)

    def call(self, inputs):
        z = ops.matmul(inputs, self.kernel) + self.bias
        z = ops.reshape(z, (-1, self.units, self.pieces))
        return ops.max(z, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }
