"""The maxout layer (Goodfellow et al., 2013) used by the paper's discriminator, and the dropout it trains with."""

import keras
import tensorflow as tf
from keras import ops

from keras_gan import noise as noise_lib


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


@keras.saving.register_keras_serializable(package="keras_gan")
class HashDropout(keras.layers.Layer):
    """Dropout whose masks come from a counter-based integer hash: `keras.layers.Dropout`'s maths, made cheap on CPU.

    In training each element is kept with probability 1 - `rate`, independently of every other element, and kept
    elements are scaled by 1 / (1 - rate); at inference the layer is the identity. That is exactly
    `keras.layers.Dropout`. Only the source of the random bits differs: TF's Philox kernels cost ~25 ns per
    element on CPU (and XLA's CPU fusion emitter can make them 20x slower still), which made the paper
    discriminator's dropout masks ~15 % of a whole GAN step; the hash of `keras_gan.noise` costs ~1-3 ns and gives
    bit-identical masks with and without `jit_compile`. Each call draws a fresh seed from the layer's own
    `keras.random.SeedGenerator`, so a fixed `seed` makes training reproducible.

    Args:
        rate: Float in [0, 1), the fraction of elements dropped.
        seed: Optional int seeding the layer's mask stream.
        **kwargs: Passed to `keras.layers.Layer`.

    Raises:
        ValueError: if `rate` is not in [0, 1).

    Example:
        >>> layer = HashDropout(0.5, seed=0)
        >>> y = layer(ops.ones((2, 1000)), training=True)
        >>> np.unique(np.asarray(y)).tolist()
        [0.0, 2.0]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"HashDropout rate is the fraction of elements dropped, in [0, 1); got {rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        # Uniform on [-1, 1) with 24-bit resolution; keep iff u >= rate, i.e. 2u - 1 >= 2 rate - 1.
        values = noise_lib.sample_prior(tf.shape(inputs), self.seed_generator.next(), "uniform", 1.0)
        keep = ops.cast(values >= 2.0 * self.rate - 1.0, inputs.dtype)
        return inputs * ops.cast(1.0 / (1.0 - self.rate), inputs.dtype) * keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
