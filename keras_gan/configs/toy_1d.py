"""The paper's Figure 1 setting: 1-D Gaussian data N(0, 0.5²), 1-D uniform noise z, small MLPs."""

from keras_gan.configs.base import Config


def get_config():
    """Returns the toy_1d config (Figure-1 plots at epochs 1, 5 and 20).

    Returns:
        A `Config` that trains in well under a minute on a CPU.
    """
    return Config(
        name="toy_1d",
        dataset="toy_1d",              # keras_gan.data.toy.sample_gaussian_1d(mean=0, stddev=0.5)
        num_examples=10_000,           # drawn once with the seed, reshuffled every epoch
        architecture="mlp",
        hidden_units=(32, 32),
        latent_dim=1,                  # z is one uniform number, as in Figure 1's lower line
        noise="uniform",
        noise_scale=1.0,               # U[-1, 1]
        d_steps=1,
        generator_loss="non_saturating",
        batch_size=64,
        epochs=20,
        optimizer="adam",
        d_learning_rate=1e-3,
        g_learning_rate=1e-3,
        lr_decay_factor=1.0,           # constant learning rates
        beta_1=0.5,
        num_grid_samples=2000,         # the per-epoch picture is a histogram of 2000 samples over the data's
        figure1_epochs=(1, 5, 20),     # Figure-1 plots in workdir/figure1/ after these epochs
        steps_per_execution=20,        # tiny nets: run 20 steps per compiled call to cut per-step overhead
    )
