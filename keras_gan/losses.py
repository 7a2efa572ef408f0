"""GAN losses from logits, in pairs with one signature per family (TF-GAN style).

The discriminator D outputs a logit l per example, D(x) = sigmoid(l). Every loss here is computed from logits in
the stable softplus form (shared/docs/paper.md):

    -log D(x)      = softplus(-l)
    -log(1 - D(x)) = softplus(l)

Each family has a `<name>_discriminator_loss(real_logits, fake_logits)` and a `<name>_generator_loss(fake_logits)`;
both return the mean over the batch as a float32 scalar, the quantity the optimizer *minimises*.
"""

import keras
from keras import ops

__all__ = [
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "value_function",
    "GENERATOR_LOSSES",
    "get_generator_loss",
]


def _logits(x):
    # Losses are always reduced in float32, also under a mixed-precision policy.
    return ops.reshape(ops.cast(x, "float32"), (-1,))


def minimax_discriminator_loss(real_logits, fake_logits):
    """Negated value function: what D minimises to ascend log D(x) + log(1 - D(G(z))).

    Args:
        real_logits: Tensor [m] or [m, 1], D's logits on data examples.
        fake_logits: Tensor [m] or [m, 1], D's logits on generated examples.

    Returns:
        Float32 scalar, -(1/m) Σ [log D(x_i) + log(1 - D(G(z_i)))].

    Example:
        >>> float(minimax_discriminator_loss(ops.zeros(4), ops.zeros(4)))  # log 4 at D = 1/2
        1.386...
    """
    return ops.mean(ops.softplus(-_logits(real_logits))) + ops.mean(ops.softplus(_logits(fake_logits)))


def minimax_generator_loss(fake_logits):
    """The paper's exact generator objective: G descends (1/m) Σ log(1 - D(G(z_i))).

    It saturates: when D confidently rejects G's samples (l → -∞), d/dl log(1 - sigmoid(l)) = -sigmoid(l) → 0,
    so G learns almost nothing early in training. The paper's remedy is `non_saturating_generator_loss`.

    Args:
        fake_logits: Tensor [m] or [m, 1], D's logits on generated examples.

    Returns:
        Float32 scalar, (1/m) Σ log(1 - D(G(z_i))) = -(1/m) Σ softplus(l_i).

    Example:
        >>> float(minimax_generator_loss(ops.zeros(4)))  # log(1/2)
        -0.693...
    """
    return -ops.mean(ops.softplus(_logits(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """The paper's practical generator objective: G ascends log D(G(z)), i.e. descends -log D(G(z)).

    Same fixed point as the minimax loss, but the gradient d/dl softplus(-l) = -sigmoid(-l) → -1 when D
    confidently rejects, so G gets a strong signal early on.

    Args:
        fake_logits: Tensor [m] or [m, 1], D's logits on generated examples.

    Returns:
        Float32 scalar, -(1/m) Σ log D(G(z_i)) = (1/m) Σ softplus(-l_i).

    Example:
        >>> float(non_saturating_generator_loss(ops.zeros(4)))  # -log(1/2)
        0.693...
    """
    return ops.mean(ops.softplus(-_logits(fake_logits)))


def value_function(real_logits, fake_logits):
    """The minimax value V(D, G) = E[log D(x)] + E[log(1 - D(G(z)))], estimated on a minibatch.

    At the global optimum (p_g = p_data, D = 1/2 everywhere) V = -log 4.

    Args:
        real_logits: Tensor [m] or [m, 1], D's logits on data examples.
        fake_logits: Tensor [m] or [m, 1], D's logits on generated examples.

    Returns:
        Float32 scalar V.

    Example:
        >>> float(value_function(ops.zeros(4), ops.zeros(4)))  # -log 4
        -1.386...
    """
    return -minimax_discriminator_loss(real_logits, fake_logits)


GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}


def get_generator_loss(identifier):
    """Resolves a generator loss from its name or returns a callable unchanged.

    Args:
        identifier: "minimax", "non_saturating", or a callable `fn(fake_logits) -> scalar` to minimise.

    Returns:
        The loss function.

    Raises:
        ValueError: if `identifier` is an unknown name or neither a string nor a callable.

    Example:
        >>> get_generator_loss("minimax") is minimax_generator_loss
        True
    """
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in GENERATOR_LOSSES:
        return GENERATOR_LOSSES[identifier]
    raise ValueError(
        f"Unknown generator_loss {identifier!r}. Use one of {sorted(GENERATOR_LOSSES)} or pass a callable "
        "fn(fake_logits) -> scalar loss to minimise."
    )


# Registered so that a compiled GAN's loss choice survives `.keras` save/load.
for _fn in (minimax_discriminator_loss, minimax_generator_loss, non_saturating_generator_loss):
    keras.saving.register_keras_serializable(package="keras_gan")(_fn)
