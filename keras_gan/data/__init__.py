"""Data for GANs: embedded toy distributions and (from the data module) TFDS image pipelines."""

from keras_gan.data import toy
