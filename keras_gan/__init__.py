"""keras_gan: Generative Adversarial Nets (Goodfellow et al., 2014) as a Keras 3 model.

Example:
    >>> import keras_gan
    >>> gan = keras_gan.GAN(keras_gan.networks.paper_generator(), keras_gan.networks.paper_discriminator())
    >>> gan.compile(generator_loss="non_saturating")
    >>> gan.fit(keras_gan.data.image_dataset("fashion_mnist", flatten=True), epochs=1)  # doctest: +SKIP
"""

__version__ = "0.1.0"

# First: for `keras-gan` / `python -m keras_gan` only, TensorFlow starts without its C++ start-up noise.
from keras_gan import _startup  # noqa: F401, I001
from keras_gan import callbacks, configs, data, losses, metrics, networks, noise, penalties
from keras_gan.gan import GAN
from keras_gan.conditional import ConditionalGAN

# After gan: export builds on it.
from keras_gan import export, serving  # noqa: E402

__all__ = [
    "ConditionalGAN", "GAN", "callbacks", "configs", "data", "export", "losses", "metrics", "networks", "noise", "penalties", "serving",
    "__version__",
]
