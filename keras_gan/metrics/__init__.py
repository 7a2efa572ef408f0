"""Evaluation metrics that run offline."""

from keras_gan.metrics.mixture import mode_coverage
