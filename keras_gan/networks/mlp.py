"""Small MLPs for the 1-D and 2-D toy distributions."""

import keras


def _dense_stack(x, units_list, activation, seed):
    # Hidden layers then a linear output; layer i is seeded with seed + i so one seed fixes the whole net.
    *hidden, output = units_list
    for i, units in enumerate(hidden):
        init = keras.initializers.GlorotUniform(seed=None if seed is None else seed + i)
        x = keras.layers.Dense(units, activation=activation, kernel_initializer=init)(x)
    init = keras.initializers.GlorotUniform(seed=None if seed is None else seed + len(hidden))
    return keras.layers.Dense(output, kernel_initializer=init)(x)


def mlp_generator(latent_dim=1, output_dim=1, hidden_units=(32, 32), activation="relu", seed=None, name="generator"):
    """A small MLP generator with a linear output, for toy data in R^d.

    Args:
        latent_dim: Positive int, size of z.
        output_dim: Positive int, dimension of the data.
        hidden_units: Tuple of positive ints, hidden layer widths.
        activation: Hidden activation.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, latent_dim] to [batch, output_dim].

    Example:
        >>> mlp_generator(latent_dim=2, output_dim=2)(keras.ops.zeros((3, 2))).shape
        (3, 2)
    """
    z = keras.Input((latent_dim,), name="z")
    return keras.Model(z, _dense_stack(z, (*hidden_units, output_dim), activation, seed), name=name)


def mlp_discriminator(input_dim=1, hidden_units=(32, 32), activation="leaky_relu", seed=None, name="discriminator"):
    """A small MLP discriminator that returns one logit per example, for toy data in R^d.

    Args:
        input_dim: Positive int, dimension of the data.
        hidden_units: Tuple of positive ints, hidden layer widths.
        activation: Hidden activation.
        seed: Optional int that fixes the initial weights.
        name: Model name.

    Returns:
        A `keras.Model` mapping [batch, input_dim] to logits [batch, 1].

    Example:
        >>> mlp_discriminator(input_dim=2)(keras.ops.zeros((3, 2))).shape
        (3, 1)
    """
    x = keras.Input((input_dim,), name="x")
    return keras.Model(x, _dense_stack(x, (*hidden_units, 1), activation, seed), name=name)
