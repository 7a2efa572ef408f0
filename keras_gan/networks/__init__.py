"""Generator and discriminator factories: the paper's MLPs, DCGAN-style conv nets, and toy MLPs."""

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator
from keras_gan.networks.maxout import HashDropout, Maxout
from keras_gan.networks.mlp import mlp_discriminator, mlp_generator
from keras_gan.networks.paper import output_bias_from_data, paper_discriminator, paper_generator

__all__ = [
    "HashDropout",
    "Maxout",
    "dcgan_discriminator",
    "dcgan_generator",
    "mlp_discriminator",
    "mlp_generator",
    "output_bias_from_data",
    "paper_discriminator",
    "paper_generator",
]
