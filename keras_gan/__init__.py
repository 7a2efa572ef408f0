"""keras_gan: Generative Adversarial Nets (Goodfellow et al., 2014) as a Keras 3 model."""

__version__ = "0.1.0"
