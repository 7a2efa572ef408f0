"""Generator and discriminator factories: the paper's MLPs, DCGAN-style conv nets, toy MLPs, and their registry."""

from keras_gan.networks.architectures import ARCHITECTURES, get_architecture, register_architecture
from keras_gan.networks.conditional import concat_discriminator, conditional_generator, projection_discriminator
from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan.networks.hash_dropout import HashDropout
from keras_gan.networks.keras_io_dcgan import keras_io_discriminator, keras_io_generator
from keras_gan.networks.maxout import Maxout
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan.networks.paper import output_bias_from_data, paper_discriminator, paper_generator
from keras_gan.networks.per_example import acts_per_example

__all__ = [
    "ARCHITECTURES",
    "HashDropout",
    "Maxout",
    "acts_per_example",
    "concat_discriminator",
    "conditional_generator",
    "dcgan_discriminator",
    "dcgan_generator",
    "get_architecture",
    "keras_io_discriminator",
    "keras_io_generator",
    "mlp_discriminator",
    "mlp_generator",
    "output_bias_from_data",
    "paper_discriminator",
    "paper_generator",
    "projection_discriminator",
    "register_architecture",
]
