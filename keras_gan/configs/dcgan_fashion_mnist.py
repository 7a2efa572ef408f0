"""Small DCGAN conv nets on Fashion-MNIST (28×28×1, pixels in [0, 1]), trained with Adam: an epoch in minutes on
a CPU. Works offline here from Debian's IDX files."""

from keras_gan.configs.base import Config


def get_config():
    """Returns the dcgan_fashion_mnist config.

    Returns:
        A `Config`: dcgan_generator / dcgan_discriminator with base_filters=16, batch 64, Adam(2e-4, β1 = 0.5).
    """
    return Config(
        name="dcgan_fashion_mnist",
        dataset="fashion_mnist",       # train[0:50000], 28×28×1 images in [0, 1]
        split="train",
        architecture="dcgan",          # sigmoid output in [0, 1]
        base_filters=16,               # G: 32 → 16 channels, D: 16 → 32; sized for a 2-core CPU
        latent_dim=100,
        noise="uniform",               # U[-√3, √3], as in the paper
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=64,
        epochs=10,
        optimizer="adam",              # the DCGAN recipe
        d_learning_rate=2e-4,
        g_learning_rate=2e-4,
        lr_decay_factor=1.0,           # constant learning rates
        beta_1=0.5,
        num_grid_samples=64,           # an 8 × 8 grid per epoch
    )
