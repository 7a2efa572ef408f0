"""The modern recipe on Fashion-MNIST: the dcgan nets with spectral norm in D, the hinge loss, a generator weight
average (EMA) and two-timescale learning rates (TTUR: D at 4e-4, G at 1e-4, Adam β = (0, 0.9), as SN-GAN and
SAGAN train)."""

import dataclasses

from keras_gan.configs import dcgan_fashion_mnist


def get_config():
    """Returns the dcgan_modern_fashion_mnist config.

    Returns:
        A `Config`: dcgan_fashion_mnist's nets and data with spectral_norm=True, hinge loss, ema_decay=0.999,
        Adam(4e-4 for D, 1e-4 for G, β1=0, β2=0.9).
    """
    return dataclasses.replace(
        dcgan_fashion_mnist.get_config(),
        name="dcgan_modern_fashion_mnist",
        spectral_norm=True,            # every layer of D, one power iteration per call
        generator_loss="hinge",
        ema_decay=0.999,               # samples come from the average of G's weights
        d_learning_rate=4e-4,          # TTUR (Heusel et al., 2017)
        g_learning_rate=1e-4,
        beta_1=0.0,
        beta_2=0.9,
    )
