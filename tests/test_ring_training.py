"""Every loss family, and each gradient regulariser, trains a GAN on the 8-Gaussian ring: most modes covered."""

import keras
import pytest

import keras_gan
from keras_gan import networks
from keras_gan.data import toy

# (loss family, penalties, Adam's betas, epochs of 200 steps). The Wasserstein critic needs its Lipschitz
# constraint, here the gradient penalty, and like LSGAN it trains with WGAN-GP's Adam betas (0, 0.9) and longer.
CASES = {
    "minimax": ("minimax", {}, (0.5, 0.999), 15),
    "least_squares": ("least_squares", {}, (0.0, 0.9), 30),
    "hinge": ("hinge", {}, (0.5, 0.999), 15),
    "wasserstein_gp": ("wasserstein", {"gradient_penalty": 1.0}, (0.0, 0.9), 40),
    "non_saturating_r1_lazy": ("non_saturating", {"r1_penalty": 0.1, "r1_interval": 4}, (0.5, 0.999), 15),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_loss_family_covers_most_modes_of_the_ring(case):
    loss, penalties, (beta_1, beta_2), epochs = CASES[case]
    gan = keras_gan.GAN(
        networks.mlp_generator(8, 2, hidden_units=(128, 128), seed=0),
        networks.mlp_discriminator(2, hidden_units=(128, 128), seed=1),
        latent_dim=8, noise="normal", seed=0, ema_decay=0.99,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=beta_1, beta_2=beta_2),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=beta_1, beta_2=beta_2),
                generator_loss=loss, jit_compile=True, steps_per_execution=20, **penalties)
    gan.fit(toy.ring_dataset(batch_size=100, num_examples=20_000), epochs=epochs, verbose=0)
    report = keras_gan.metrics.mode_coverage(gan.generate(2500, seed=0), toy.ring_modes(), toy.RING_STDDEV)
    print(f"{case}: {report['modes_covered']}/8 modes, high-quality share {report['high_quality_share']:.2f}")
    assert report["modes_covered"] >= 6
