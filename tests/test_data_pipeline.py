"""keras_gan.data.pipeline: the one input pipeline (epoch order from (seed, epoch), exact resume) and its users."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan.data import pipeline, toy
from conftest import toy_gan

N = 103  # Not a multiple of any batch below: the remainder is dropped.


def epochs_of(ds, n_epochs=1):
    """n_epochs iterations over ds, each as one flat array of example ids."""
    return [np.concatenate([b.numpy() for b in ds]) for _ in range(n_epochs)]


def test_steps_per_epoch():
    assert pipeline.steps_per_epoch(50_000, 100) == 500
    assert pipeline.steps_per_epoch(N, 10, d_steps=2) == 5
    with pytest.raises(ValueError, match=r"103 examples are fewer than one batch.*2 \* 100 = 200.*smaller"):
        pipeline.steps_per_epoch(N, 100, 2)


def test_batches_have_static_shape_and_drop_the_remainder():
    ds = pipeline.epoch_batches(np.arange(N), batch_size=10, d_steps=2)
    assert ds.element_spec.shape == (20,) and int(ds.cardinality()) == 5
    (ids,) = epochs_of(ds)
    assert len(ids) == 100 and len(set(ids)) == 100  # No example twice in an epoch.


def test_epoch_order_depends_only_on_seed_and_epoch():
    one_by_one = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, seed=7), 4)
    all_at_once = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, seed=7, epochs=4))[0]
    np.testing.assert_array_equal(np.concatenate(one_by_one), all_at_once)
    assert not np.array_equal(one_by_one[0], one_by_one[1])  # A new order each epoch.
    # Resuming at epoch 2 gives exactly epochs 2 and 3 of the uninterrupted run, in both modes.
    resumed = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, seed=7, epochs=4, initial_epoch=2))[0]
    np.testing.assert_array_equal(resumed, np.concatenate(one_by_one[2:]))
    later = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, seed=7, initial_epoch=2), 2)
    np.testing.assert_array_equal(np.concatenate(later), resumed)
    other_seed = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, seed=8))[0]
    assert not np.array_equal(other_seed, one_by_one[0])


def test_no_shuffle_keeps_the_order():
    (ids,) = epochs_of(pipeline.epoch_batches(np.arange(N), batch_size=10, shuffle=False))
    np.testing.assert_array_equal(ids, np.arange(100))


def test_uint8_stays_uint8_until_preprocess_and_tuples_gather_together():
    images = np.arange(N, dtype=np.uint8)[:, None, None] * np.ones((1, 2, 2), np.uint8)
    labels = np.arange(N) % 10
    seen = []

    def preprocess(batch):
        seen.append(batch[0].dtype)
        return tf.cast(batch[0], tf.float32) / 255, batch[1]

    ds = pipeline.epoch_batches((images, labels), batch_size=25, seed=1, preprocess=preprocess)
    assert seen == [tf.uint8]  # Gathered as uint8, scaled per batch.
    for x, y in ds.as_numpy_iterator():
        assert x.dtype == np.float32 and x.shape == (25, 2, 2)
        np.testing.assert_array_equal(np.rint(x[:, 0, 0] * 255) % 10, y)


def test_fit_gets_a_new_epoch_per_iteration():
    points = np.random.default_rng(0).normal(size=(200, 2)).astype("float32")
    ds = pipeline.epoch_batches(points, batch_size=50, seed=3)
    gan = toy_gan()
    gan.fit(ds, epochs=2, verbose=0)
    # Keras iterated epochs 0 and 1, so the next iteration is epoch 2 of the same seed.
    expected = epochs_of(pipeline.epoch_batches(points, batch_size=50, seed=3, epochs=3, initial_epoch=2))[0]
    np.testing.assert_array_equal(epochs_of(ds)[0], expected)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be a positive int, got 0"),
    ({"batch_size": -5}, "batch_size must be a positive int"),
    ({"d_steps": 1.5}, "d_steps must be a positive int"),
    ({"seed": "x"}, "seed must be an int"),
    ({"epochs": 2, "initial_epoch": 2}, "epochs must be an int >= 3"),
    ({"initial_epoch": -1}, "initial_epoch must be an int >= 0"),
    ({"batch_size": 200}, "fewer than one batch"),
])
def test_bad_arguments(kwargs, message):
    kwargs = {"batch_size": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        pipeline.epoch_batches(np.arange(N), **kwargs)


def test_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"same number of examples.*\[9, 10\]"):
        pipeline.epoch_batches((np.arange(10), np.arange(9)), batch_size=2)


def test_toy_datasets_are_epoch_batches_of_their_samples():
    ds = toy.ring_dataset(batch_size=64, num_examples=640, seed=5)
    points = toy.sample_mixture(640, toy.ring_modes(), toy.RING_STDDEV, 5)
    expected = pipeline.epoch_batches(points, batch_size=64, seed=5)
    for _ in range(2):  # Two epochs: the same sequence of orders.
        np.testing.assert_array_equal(np.concatenate(epochs_of(ds)), np.concatenate(epochs_of(expected)))
    assert toy.gaussian_1d_dataset(batch_size=32, d_steps=2).element_spec.shape == (64, 1)
    assert toy.grid_dataset(batch_size=32).element_spec.shape == (32, 2)
    with pytest.raises(ValueError, match="fewer than one batch"):
        toy.points_dataset(np.zeros((10, 2)), batch_size=20)
