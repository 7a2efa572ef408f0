"""`python -m keras_gan train|sample|evaluate|export ...`: the `keras-gan` command line."""

from keras_gan.main import __doc__  # noqa: F401  (absl prints __main__'s docstring for --help)
from keras_gan.main import run

if __name__ == "__main__":
    run()
