"""Shared test helpers: small models so that every test states one property in a few lines."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import keras_gan  # noqa: E402


# The start of a `python -c` script that cannot import keras_gan: what a TF Serving host or a client sees.
WITHOUT_KERAS_GAN = """
import sys

class BlockKerasGan:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "keras_gan":
            raise ImportError("keras_gan is blocked in this process")

sys.meta_path.insert(0, BlockKerasGan())
import numpy as np
import tensorflow as tf
"""


def toy_gan(latent_dim=2, data_dim=2, d_steps=1, seed=0, hidden=(16, 16), compile=True, **compile_kwargs):
    """A small MLP GAN on R^data_dim, compiled with Adam unless compile=False."""
    gan = keras_gan.GAN(
        keras_gan.networks.mlp_generator(latent_dim, data_dim, hidden_units=hidden, seed=seed),
        keras_gan.networks.mlp_discriminator(data_dim, hidden_units=hidden, seed=seed + 100),
        latent_dim=latent_dim,
        d_steps=d_steps,
        seed=seed,
    )
    if compile:
        compile_kwargs.setdefault("d_optimizer", keras.optimizers.Adam(1e-3, beta_1=0.5))
        compile_kwargs.setdefault("g_optimizer", keras.optimizers.Adam(1e-3, beta_1=0.5))
        gan.compile(**compile_kwargs)
    return gan


def snapshot(folder):
    """{relative path: (bytes, mtime)} of every file under folder: compare two to show nothing was written."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = (f.read(), os.stat(path).st_mtime_ns)
    return out


def weights_of(model):
    return [np.array(w) for w in model.weights]


@pytest.fixture
def make_toy_gan():
    return toy_gan


@pytest.fixture
def run_cli(capsys):
    """Runs the command line in this process, flags parsed as `keras-gan` parses them: (status, stdout, stderr)."""
    from absl import flags

    from keras_gan import main as cli

    def run(*args):
        try:
            cli.main(cli._parse_flags(["keras-gan", *args]))
            code = 0
        except SystemExit as e:
            code = e.code
        finally:
            flags.FLAGS.unparse_flags()
        out, err = capsys.readouterr()
        return code, out, err

    return run
