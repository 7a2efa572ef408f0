"""Clients for the generator exported by `keras_gan.export` and served by TF Serving."""

from keras_gan.serving import client

__all__ = ["client"]
