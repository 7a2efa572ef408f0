"""The keras.io DCGAN example ("DCGAN to generate face images", `dcgan_overriding_train_step`) on Fashion-MNIST:
the quality benchmark's baseline, the recipe a Keras user finds first.

Kept from the example: its networks (no batch norm, LeakyReLU(0.2), dropout 0.2 in D, 4×4 kernels, a 5×5 sigmoid
output conv), the binary cross-entropy loss with G trained on "real" labels (non-saturating), Adam(1e-4) for both
players, batch 32, z ~ N(0, 1) of size 128. Changed: 28×28 images need one stride-2 stage less in G (see
`keras_gan.networks.keras_io_dcgan`); the channels are scaled by base_filters/64 (1/8 here) so an epoch costs
about as much as dcgan_fashion_mnist's on 2 CPU cores (72 s against 40 s; at full width it is about an hour); the example's label noise (0.05·U[0, 1] added to the labels) is not applied.
"""

from keras_gan.configs.base import Config


def get_config():
    """Returns the keras_io_dcgan_fashion_mnist config.

    Returns:
        A `Config`: keras_io_dcgan nets at width 1/8 (base_filters=8), batch 32, Adam(1e-4, β1 = 0.9),
        normal noise of size 128, non-saturating loss.
    """
    return Config(
        name="keras_io_dcgan_fashion_mnist",
        dataset="fashion_mnist",
        split="train",
        architecture="keras_io_dcgan",
        base_filters=8,                # D: 8, 16, 16 channels; G: 16, 32 (the example's 64/128/128 and 128/256, / 8)
        latent_dim=128,
        noise="normal",
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=32,
        epochs=20,
        optimizer="adam",
        d_learning_rate=1e-4,
        g_learning_rate=1e-4,
        lr_decay_factor=1.0,
        beta_1=0.9,                    # keras.optimizers.Adam's defaults, as the example uses them
        beta_2=0.999,
        num_grid_samples=64,
    )
