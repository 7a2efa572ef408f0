"""The real Fashion-MNIST, offline, from Debian's dataset-fashion-mnist package.

One module-scoped TFDS preparation into a temporary data_dir (about half a minute on a quiet
2-core machine), then read back through TFDS. The numbers asserted were measured on the
package's IDX files (whose decompressed SHA-256 matches the published Fashion-MNIST files).
"""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

import keras_gan
from keras_gan.data import idx, local_builder

LOCAL_DIR = local_builder.DEFAULT_LOCAL_DIRS["fashion_mnist"]

pytestmark = pytest.mark.skipif(
    not os.path.isdir(LOCAL_DIR),
    reason=f"needs {LOCAL_DIR}: apt-get install dataset-fashion-mnist")

# Mean pixel in [0, 1], measured on the IDX files: all 60,000 training images, the paper's
# train[0:50000] and train[50000:60000], and the 10,000 test images.
MEAN_TRAIN_ALL = 0.286041
MEAN_PAPER_TRAIN = 0.285499
MEAN_PAPER_VALIDATION = 0.288749
MEAN_TEST = 0.286849


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    # No local_dir: the packaged folder is the default, so this prepares from it.
    keras_gan.data.prepare("fashion_mnist", data_dir=data_dir)
    return data_dir


def test_train_split_counts_balance_and_mean(data_dir):
    x, y = keras_gan.data.load_arrays("fashion_mnist", "train[:100%]", data_dir=data_dir)
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y), [6000] * 10)
    assert abs(x.mean() - MEAN_TRAIN_ALL) < 1e-5
    # The paper's splits are the files' first 50,000 and last 10,000 (order kept).
    assert abs(x[:50000].mean() - MEAN_PAPER_TRAIN) < 1e-5
    assert abs(x[50000:].mean() - MEAN_PAPER_VALIDATION) < 1e-5
    # Exactly the package's pixels, in the files' order.
    images, labels = idx.read_split(LOCAL_DIR, "train", name="fashion_mnist")
    np.testing.assert_array_equal(np.rint(x[..., 0] * 255).astype(np.uint8), images)
    np.testing.assert_array_equal(y, labels)


def test_test_split_counts_balance_and_mean(data_dir):
    x, y = keras_gan.data.load_arrays("fashion_mnist", "test", data_dir=data_dir)
    assert x.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(y), [1000] * 10)
    assert abs(x.mean() - MEAN_TEST) < 1e-5


def test_paper_splits_and_plain_tfds_reads(data_dir):
    builder = tfds.builder("fashion_mnist", data_dir=data_dir)
    assert builder.is_prepared()
    sizes = {name: builder.info.splits[split].num_examples
             for name, split in keras_gan.data.PAPER_SPLITS.items()}
    assert sizes == {"train": 50000, "validation": 10000, "test": 10000}
    x, _ = keras_gan.data.load_arrays("fashion_mnist", "validation", data_dir=data_dir)
    assert abs(x.mean() - MEAN_PAPER_VALIDATION) < 1e-5


def test_gan_ready_batches_for_the_paper_mlp(data_dir):
    flatten = keras_gan.data.check_image_shape(
        keras_gan.data.image_shape("fashion_mnist", data_dir=data_dir), (784,))
    ds = keras_gan.data.image_dataset("fashion_mnist", "validation", batch_size=100,
                                      flatten=flatten, data_dir=data_dir)
    assert ds.element_spec.shape == (100, 784)
    total, count = 0.0, 0
    for batch in ds:
        total, count = total + float(batch.numpy().sum()), count + batch.shape[0]
    assert count == 10000
    assert abs(total / (count * 784) - MEAN_PAPER_VALIDATION) < 1e-5
