"""The classic DCGAN recipe on Fashion-MNIST (28×28×1, pixels in [0, 1]): conv nets with batch norm in G and
LeakyReLU in D, the non-saturating loss, Adam(2e-4, β1 = 0.5). About 45 s an epoch on 2 CPU cores; works offline
from Debian's IDX files. Quality against the modern recipe and the keras.io example: README, "Results"."""

from keras_gan.configs.base import Config


def get_config():
    """Returns the dcgan_fashion_mnist config.

    Returns:
        A `Config`: dcgan nets with base_filters=32 (G 64 → 32 channels, D 32 → 64), batch 64, Adam(2e-4, β1=0.5),
        non-saturating loss, 20 epochs.
    """
    return Config(
        name="dcgan_fashion_mnist",
        dataset="fashion_mnist",       # train[0:50000], 28×28×1 images in [0, 1]
        split="train",
        architecture="dcgan",          # sigmoid output in [0, 1]
        base_filters=32,               # the width that trains 20 epochs in about 15 minutes on 2 cores
        depth=2,                       # 7 → 14 → 28
        latent_dim=100,
        noise="uniform",               # U[-√3, √3], as in the paper
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=64,
        epochs=20,
        optimizer="adam",              # the DCGAN recipe
        d_learning_rate=2e-4,
        g_learning_rate=2e-4,
        lr_decay_factor=1.0,           # constant learning rates
        beta_1=0.5,
        num_grid_samples=64,           # an 8 × 8 grid per epoch
    )
