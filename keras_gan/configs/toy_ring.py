"""8 Gaussians on a ring of radius 2 (σ = 0.02): the standard test bed for mode collapse."""

from keras_gan.configs.base import Config


def get_config():
    """Returns the toy_ring config; its metrics.json reports the modes covered (of 8).

    Returns:
        A `Config` whose epochs take about a second on a CPU.
    """
    return Config(
        name="toy_ring",
        dataset="toy_ring",            # keras_gan.data.toy ring: 8 modes, σ = 0.02
        num_examples=20_000,           # drawn once with the seed, reshuffled every epoch
        architecture="mlp",
        hidden_units=(128, 128),
        latent_dim=2,
        noise="normal",                # N(0, 1)
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=100,
        epochs=20,
        optimizer="adam",
        d_learning_rate=1e-3,
        g_learning_rate=1e-3,
        lr_decay_factor=1.0,           # constant learning rates
        beta_1=0.5,
        num_grid_samples=1000,         # the per-epoch picture is a scatter of 1000 samples over the data
        steps_per_execution=20,        # tiny nets: run 20 steps per compiled call to cut per-step overhead
    )
