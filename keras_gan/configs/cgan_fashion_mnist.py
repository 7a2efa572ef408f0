"""A class-conditional GAN on Fashion-MNIST: p(x | c), one model per garment class on demand.

The classic DCGAN recipe (`dcgan_fashion_mnist`: batch norm in G, the non-saturating loss, Adam(2e-4, β1 = 0.5))
with the label given to both players: G gets a learned label embedding beside z, and D is a projection
discriminator (Miyato & Koyama, 2018). Fake labels are drawn uniformly, so every class is trained and sampled alike.
Results: README, "Conditional GAN".
"""

from keras_gan.configs.base import Config


def get_config():
    """Returns the cgan_fashion_mnist config.

    Returns:
        A `Config`: cgan_projection nets with base_filters=32, 10 classes, uniform fake labels, batch 64,
        Adam(2e-4, β1=0.5), non-saturating loss, 20 epochs, a 10 × 10 grid (one row per class).
    """
    return Config(
        name="cgan_fashion_mnist",
        dataset="fashion_mnist",       # train[0:50000] with labels, 28×28×1 images in [0, 1]
        split="train",
        architecture="cgan_projection",  # label embedding into z; projection D
        num_classes=10,
        label_distribution="uniform",
        base_filters=32,
        depth=2,
        latent_dim=100,
        noise="uniform",
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=64,
        epochs=20,
        optimizer="adam",
        d_learning_rate=2e-4,
        g_learning_rate=2e-4,
        lr_decay_factor=1.0,
        beta_1=0.5,
        num_grid_samples=100,          # 10 rows (classes) × 10 columns
    )
