"""The paper's MNIST setup (goodfeli/adversarial mnist.yaml): maxout D, SGD with per-minibatch lr decay and a
momentum ramp. Needs MNIST's IDX files: `--local_dir=/path/to/mnist` (or TFDS's copy under `--data_dir`)."""

from keras_gan.configs.base import Config


def get_config():
    """Returns the paper's MNIST config.

    Returns:
        A `Config`: 100-d U[-√3, √3] noise, G 1200-1200 ReLU with sigmoid output biased to the data marginals,
        D maxout 240×5 ×2 with dropout, k = 1, non-saturating G loss, SGD batch 100, lr 0.1 / 1.000004^t (floor
        1e-6), momentum 0.5 → 0.7 over epochs 1–250, trained on train[0:50000].
    """
    return Config(
        name="paper_mnist",
        dataset="mnist",          # pixels in [0, 1], real-valued (not binarised), flat 784-d
        split="train",            # train[0:50000]; train[50000:60000] is the validation split
        architecture="paper",     # keras_gan.networks.paper_generator / paper_discriminator
        latent_dim=100,
        noise="uniform",          # U[-√3, √3]: unit variance
        noise_scale=None,
        output_bias_from_data=True,
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=100,
        # The paper states no epoch count; 300 runs 50 epochs past the end of the momentum ramp.
        epochs=300,
        optimizer="sgd",
        d_learning_rate=0.1,
        g_learning_rate=0.1,
        lr_decay_factor=1.000004,
        min_learning_rate=1e-6,
        initial_momentum=0.5,
        final_momentum=0.7,
        momentum_start_epoch=1,
        momentum_saturate_epoch=250,
        # 100 images → a 10 × 10 grid each epoch.
        num_grid_samples=100,
    )
