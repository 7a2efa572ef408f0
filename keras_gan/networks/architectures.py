"""The architecture registry: one entry per (generator, discriminator) pair that a config can name.

`ARCHITECTURES[name]` holds a builder `build(config, example_shape, examples) -> (generator, discriminator,
joint_discriminator_pass)`, the kind of data it takes ("images" or "points") and whether it is conditional (G and D
take labels too: the training library then builds a `keras_gan.ConditionalGAN` on labelled data, with
`config.num_classes` set). The training library, the
configs' validation and the command line all read this dict, so a new network is one `register_architecture`
call (here, or in a user's own module before `train_and_evaluate`).
"""

import collections

from keras_gan.networks.conditional import concat_discriminator, conditional_generator, projection_discriminator
from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan.networks.keras_io_dcgan import keras_io_discriminator, keras_io_generator
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan.networks.paper import output_bias_from_data, paper_discriminator, paper_generator
from keras_gan.networks.per_example import acts_per_example

__all__ = ["ARCHITECTURES", "Architecture", "DATA_KINDS", "get_architecture", "register_architecture"]

DATA_KINDS = ("images", "points")
Architecture = collections.namedtuple("Architecture", ["build", "data_kind", "conditional"], defaults=(False,))
Architecture.__doc__ = """A registered architecture: `build(config, example_shape, examples)`, its `data_kind`, and
whether its networks take labels (`conditional`)."""

ARCHITECTURES = {}

# Offset between G's and D's weight seeds, so one config seed fixes both nets without tying them.
_D_SEED_OFFSET = 10_000


def register_architecture(name, build, data_kind, conditional=False):
    """Adds an architecture to `ARCHITECTURES`.

    Args:
        name: Str, the name configs use (`Config.architecture`).
        build: Callable `(config, example_shape, examples) -> (generator, discriminator, joint_pass)`:
            `example_shape` is (H, W, C) for images or (d,) for points, `examples` the training array (or None
            when weights are about to be restored), `joint_pass` whether D may run once over [real; fake].
        data_kind: "images" or "points".
        conditional: Bool; True when G takes [z, labels] and D takes [x, labels] (`config.num_classes` is set
            when `build` is called).

    Returns:
        The `Architecture`.

    Raises:
        ValueError: for a taken name, a non-callable builder or an unknown data kind.

    Example:
        >>> register_architecture("tiny", lambda c, shape, x: (g, d, False), "points")  # doctest: +SKIP
    """
    if not isinstance(name, str) or not name or name in ARCHITECTURES:
        raise ValueError(f"Architecture name must be a new non-empty string; {name!r} is taken or invalid.")
    if not callable(build):
        raise ValueError(f"Architecture {name!r} needs a callable builder.")
    if data_kind not in DATA_KINDS:
        raise ValueError(f"data_kind must be one of {DATA_KINDS}, got {data_kind!r}.")
    ARCHITECTURES[name] = Architecture(build, data_kind, bool(conditional))
    return ARCHITECTURES[name]


def get_architecture(name):
    """The registered architecture `name`.

    Args:
        name: Str.

    Returns:
        An `Architecture`.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}; use one of: {', '.join(sorted(ARCHITECTURES))}.")
    return ARCHITECTURES[name]


def _paper(config, example_shape, examples):
    # The paper's nets on flat 784-d vectors; G reshapes its output and D flattens its input, so the data, the
    # sample grids and the exported images keep their (H, W, C) shape.
    bias = output_bias_from_data(examples) if examples is not None and config.output_bias_from_data else None
    generator = paper_generator(config.latent_dim, output_shape=tuple(example_shape), output_bias=bias,
                                seed=config.seed)
    # HashDropout: Keras Dropout's maths with cheap masks (tests/test_fast_path.py), and D acts per example.
    discriminator = paper_discriminator(input_shape=tuple(example_shape), seed=config.seed + _D_SEED_OFFSET,
                                        fast_dropout=True)
    return generator, discriminator, acts_per_example(discriminator)


def _dcgan(config, example_shape, examples):
    del examples
    generator = dcgan_generator(
        config.latent_dim, output_shape=example_shape, base_filters=config.base_filters, depth=config.depth,
        seed=config.seed,
    )
    discriminator = dcgan_discriminator(
        input_shape=example_shape, base_filters=config.base_filters, depth=config.depth,
        spectral_norm=config.spectral_norm, seed=config.seed + _D_SEED_OFFSET,
    )
    # Convolutions ran ~6 % slower over the doubled batch on XLA CPU (BENCHMARKS.md), so two passes.
    return generator, discriminator, False


def _keras_io_dcgan(config, example_shape, examples):
    del examples
    # base_filters is D's first width, 64 in the keras.io example: it scales both networks alike.
    width = config.base_filters / 64
    generator = keras_io_generator(config.latent_dim, output_shape=example_shape, width=width, seed=config.seed)
    discriminator = keras_io_discriminator(example_shape, width=width, seed=config.seed + _D_SEED_OFFSET)
    return generator, discriminator, False


def _mlp(config, example_shape, examples):
    del examples
    (dim,) = example_shape
    generator = mlp_generator(config.latent_dim, dim, hidden_units=config.hidden_units, seed=config.seed)
    discriminator = mlp_discriminator(dim, hidden_units=config.hidden_units, seed=config.seed + _D_SEED_OFFSET)
    return generator, discriminator, acts_per_example(discriminator)


def _conditional(discriminator):
    def build(config, example_shape, examples):
        del examples
        generator = conditional_generator(
            config.latent_dim, config.num_classes, output_shape=example_shape, base_filters=config.base_filters,
            depth=config.depth, seed=config.seed,
        )
        d = discriminator(
            input_shape=example_shape, num_classes=config.num_classes, base_filters=config.base_filters,
            depth=config.depth, spectral_norm=config.spectral_norm, seed=config.seed + _D_SEED_OFFSET,
        )
        return generator, d, False
    return build


register_architecture("paper", _paper, "images")
register_architecture("dcgan", _dcgan, "images")
register_architecture("keras_io_dcgan", _keras_io_dcgan, "images")
register_architecture("mlp", _mlp, "points")
# Class-conditional (keras_gan.ConditionalGAN): label embedding into z; D by concatenation (Mirza & Osindero) or
# projection (Miyato & Koyama).
register_architecture("cgan", _conditional(concat_discriminator), "images", conditional=True)
register_architecture("cgan_projection", _conditional(projection_discriminator), "images", conditional=True)
