"""Installs keras_gan: Generative Adversarial Nets (Goodfellow et al., 2014) for Keras 3."""

import pathlib
import re

import setuptools

_HERE = pathlib.Path(__file__).parent
_VERSION = re.search(
    r'__version__ = "([^"]+)"', (_HERE / "keras_gan" / "__init__.py").read_text()
).group(1)

setuptools.setup(
    name="keras_gan",
    version=_VERSION,
    description="Generative Adversarial Nets (Goodfellow et al., 2014) as a Keras 3 model: gan.fit(dataset).",
    long_description=(_HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    packages=setuptools.find_packages(include=["keras_gan", "keras_gan.*"]),
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.16,<3",
        "keras>=3.3",
        "tensorflow-datasets>=4.9",
        # TFDS imports it at run time but does not declare it on every platform.
        "importlib_resources",
        "numpy",
        "absl-py",
        # The toy_1d config's Figure-1 plots (keras_gan.callbacks.Figure1Plot).
        "matplotlib",
        # TF >= 2.16 no longer installs it, and tf.summary (the TensorBoard logs of `keras-gan train`) needs it.
        "tensorboard",
        # The TF Serving warm-up file that `keras-gan export` writes by default (PredictionLog/PredictRequest
        # protos) and the gRPC client: the protos TF Serving reads, not ours to re-create.
        "tensorflow-serving-api",
    ],
    extras_require={
        # scipy: a reference sqrtm that the Fréchet-distance test checks against. nbclient, nbformat, ipykernel: the
        # notebooks in colab/ run top to bottom in a real kernel (tests/test_colab.py).
        "test": ["pytest", "scipy", "nbclient", "nbformat", "ipykernel"],
        # The PyTorch reference in benchmarks/ (a CPU wheel of this version lies on the dev machines' disk).
        "bench": ["torch==2.13.0"],
    },
    entry_points={"console_scripts": ["keras-gan=keras_gan.main:run"]},
)
