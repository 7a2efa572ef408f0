"""GAN losses from logits, in pairs with one signature per family (TF-GAN style).

The discriminator D outputs a logit l per example, D(x) = sigmoid(l). Every loss here is computed from logits in
the stable softplus form (shared/docs/paper.md):

    -log D(x)      = softplus(-l)
    -log(1 - D(x)) = softplus(l)

Each family has a `<name>_discriminator_loss(real_logits, fake_logits)` and a `<name>_generator_loss(fake_logits)`;
both return the mean over the batch as a float32 scalar, the quantity the optimizer *minimises*. The paper's two
families read the logit as log-odds; the least-squares, hinge and Wasserstein families read D's raw output l as a
score (a critic value), so for them D(x) = sigmoid(l) is only a monotone summary, not a probability.

Regularisers that need D's gradient (the WGAN-GP penalty, R1) are in `keras_gan.penalties`.

`LOSSES` is the one registry of loss families: `GAN.compile`, the configs' validation and the command line's
`--generator_loss` choices all read it, so a new family is one `register_loss(...)` line here.
"""

import collections

import keras
from keras import ops

__all__ = [
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
    "value_function",
    "LOSSES",
    "LossPair",
    "get_discriminator_loss",
    "get_generator_loss",
    "register_loss",
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


def least_squares_discriminator_loss(real_logits, fake_logits):
    """LSGAN (Mao et al., 2017, the a = 0, b = c = 1 coding): D regresses its output to 1 on data, 0 on samples.

    Args:
        real_logits: Tensor [m] or [m, 1], D's raw outputs on data examples.
        fake_logits: Tensor [m] or [m, 1], D's raw outputs on generated examples.

    Returns:
        Float32 scalar, ½·mean((l_real - 1)²) + ½·mean(l_fake²).

    Example:
        >>> float(least_squares_discriminator_loss(ops.ones(4), ops.zeros(4)))  # D already perfect
        0.0
    """
    real, fake = _logits(real_logits), _logits(fake_logits)
    return 0.5 * ops.mean(ops.square(real - 1.0)) + 0.5 * ops.mean(ops.square(fake))


def least_squares_generator_loss(fake_logits):
    """LSGAN's generator loss: G pushes D's output on its samples to the data's target 1.

    Its gradient grows with the distance from the target rather than vanishing when D is confident.

    Args:
        fake_logits: Tensor [m] or [m, 1], D's raw outputs on generated examples.

    Returns:
        Float32 scalar, ½·mean((l_fake - 1)²).

    Example:
        >>> float(least_squares_generator_loss(ops.zeros(4)))
        0.5
    """
    return 0.5 * ops.mean(ops.square(_logits(fake_logits) - 1.0))


def hinge_discriminator_loss(real_logits, fake_logits):
    """The hinge loss of SAGAN / BigGAN / SN-GAN (Lim & Ye, 2017): a margin of 1 on each side.

    Args:
        real_logits: Tensor [m] or [m, 1], D's scores on data examples.
        fake_logits: Tensor [m] or [m, 1], D's scores on generated examples.

    Returns:
        Float32 scalar, mean(relu(1 - l_real)) + mean(relu(1 + l_fake)); zero once every data score is ≥ 1 and
        every sample score ≤ -1.

    Example:
        >>> float(hinge_discriminator_loss(ops.zeros(4), ops.zeros(4)))  # both margins missed by 1
        2.0
    """
    return ops.mean(ops.relu(1.0 - _logits(real_logits))) + ops.mean(ops.relu(1.0 + _logits(fake_logits)))


def wasserstein_generator_loss(fake_logits):
    """G's loss of the hinge and Wasserstein families: G raises the critic's score on its samples.

    Args:
        fake_logits: Tensor [m] or [m, 1], D's scores on generated examples.

    Returns:
        Float32 scalar, -mean(l_fake).

    Example:
        >>> float(wasserstein_generator_loss(ops.ones(4)))
        -1.0
    """
    return -ops.mean(_logits(fake_logits))


hinge_generator_loss = wasserstein_generator_loss


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """The WGAN critic's loss (Arjovsky et al., 2017): the negated Kantorovich-Rubinstein estimate.

    The critic f (D's raw output) *maximises* E[f(x)] - E[f(G(z))], an estimate of the Wasserstein-1 distance when
    f is 1-Lipschitz, so it minimises E[f(G(z))] - E[f(x)]: higher scores mean "more like the data". The Lipschitz
    constraint comes from elsewhere: the gradient penalty (`GAN.compile(gradient_penalty=10)`) or spectral norm.

    Args:
        real_logits: Tensor [m] or [m, 1], the critic's scores on data examples.
        fake_logits: Tensor [m] or [m, 1], the critic's scores on generated examples.

    Returns:
        Float32 scalar, mean(l_fake) - mean(l_real).

    Example:
        >>> float(wasserstein_discriminator_loss(ops.ones(4), -ops.ones(4)))  # data scored higher: negative
        -2.0
    """
    return ops.mean(_logits(fake_logits)) - ops.mean(_logits(real_logits))


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


LossPair = collections.namedtuple("LossPair", ["discriminator", "generator"])
LossPair.__doc__ = """A loss family: `discriminator(real_logits, fake_logits)` and `generator(fake_logits)`, both minimised."""

LOSSES = {}


def register_loss(name, discriminator, generator):
    """Adds a loss family to `LOSSES` (and so to `GAN.compile`, the configs and the command line).

    Args:
        name: Str, the family's name (`--generator_loss=<name>`).
        discriminator: Callable `fn(real_logits, fake_logits) -> scalar` that D minimises.
        generator: Callable `fn(fake_logits) -> scalar` that G minimises.

    Returns:
        The `LossPair`.

    Raises:
        ValueError: if `name` is taken or a function is not callable.

    Example:
        >>> register_loss("my_loss", minimax_discriminator_loss, non_saturating_generator_loss)  # doctest: +SKIP
    """
    if not isinstance(name, str) or not name or name in LOSSES:
        raise ValueError(f"Loss family name must be a new non-empty string; {name!r} is taken or invalid.")
    if not callable(discriminator) or not callable(generator):
        raise ValueError(f"Loss family {name!r} needs two callables: discriminator(real, fake) and generator(fake).")
    LOSSES[name] = LossPair(discriminator, generator)
    return LOSSES[name]


# The paper's two: both train D by the value function; they differ in what G minimises.
register_loss("non_saturating", minimax_discriminator_loss, non_saturating_generator_loss)
register_loss("minimax", minimax_discriminator_loss, minimax_generator_loss)
# The stabilised families of the DCGAN era and after; they score with D's raw output.
register_loss("least_squares", least_squares_discriminator_loss, least_squares_generator_loss)
register_loss("hinge", hinge_discriminator_loss, hinge_generator_loss)
register_loss("wasserstein", wasserstein_discriminator_loss, wasserstein_generator_loss)


def _get(identifier, role, signature):
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in LOSSES:
        return getattr(LOSSES[identifier], role)
    raise ValueError(
        f"Unknown {role}_loss {identifier!r}. Use a loss family of keras_gan.losses.LOSSES "
        f"({', '.join(sorted(LOSSES))}) or pass a callable {signature} -> scalar loss to minimise."
    )


def get_generator_loss(identifier):
    """Resolves a generator loss from a family name, or returns a callable unchanged.

    Args:
        identifier: A name in `LOSSES` or a callable `fn(fake_logits) -> scalar` to minimise.

    Returns:
        The loss function.

    Raises:
        ValueError: if `identifier` is an unknown name or neither a string nor a callable.

    Example:
        >>> get_generator_loss("minimax") is minimax_generator_loss
        True
    """
    return _get(identifier, "generator", "fn(fake_logits)")


def get_discriminator_loss(identifier):
    """Resolves a discriminator loss from a family name, or returns a callable unchanged.

    Args:
        identifier: A name in `LOSSES` or a callable `fn(real_logits, fake_logits) -> scalar` to minimise.

    Returns:
        The loss function.

    Raises:
        ValueError: if `identifier` is an unknown name or neither a string nor a callable.

    Example:
        >>> get_discriminator_loss("non_saturating") is minimax_discriminator_loss
        True
    """
    return _get(identifier, "discriminator", "fn(real_logits, fake_logits)")


# Registered so that a compiled GAN's loss choice survives `.keras` save/load.
for _fn in (minimax_discriminator_loss, minimax_generator_loss, non_saturating_generator_loss,
            least_squares_discriminator_loss, least_squares_generator_loss, hinge_discriminator_loss,
            wasserstein_discriminator_loss, wasserstein_generator_loss):
    keras.saving.register_keras_serializable(package="keras_gan")(_fn)
