"""Pictures of samples: image grids, scatter plots and histograms of points, and the one tanh -> [0, 1] mapping."""

import numpy as np
import pytest

from keras_gan import pictures
from keras_gan.data import toy


def test_image_grid_tiles_flat_images_into_a_square():
    images = np.zeros((64, 784), "float32")
    images[5] = 1.0
    grid = pictures.image_grid(images, padding=2)
    assert grid.shape == (8 * 30 + 2, 8 * 30 + 2, 1) and grid.dtype == np.uint8
    # Image 5 is row 0, column 5: all white.
    assert (grid[2:30, 2 + 5 * 30 : 30 + 5 * 30] == 255).all()
    assert grid.sum() == 255 * 784


def test_image_grid_needs_a_shape_for_non_square_images():
    with pytest.raises(ValueError, match="image_shape"):
        pictures.image_grid(np.zeros((4, 10)))
    assert pictures.image_grid(np.zeros((4, 10)), image_shape=(2, 5, 1)).shape == (2 * 4 + 2, 2 * 7 + 2, 1)


def test_points_picture_draws_1d_and_2d_points():
    ring = toy.sample_mixture(500, toy.ring_modes(), 0.02)
    assert pictures.points_picture(ring, reference=ring).shape == (256, 256, 3)
    assert pictures.points_picture(ring[:, :1], size=64).shape == (64, 64, 3)
    with pytest.raises(ValueError, match=r"\[n, 1\] or \[n, 2\]"):
        pictures.points_picture(np.zeros((5, 3)))




def test_to_unit_range_maps_tanh_outputs_and_refuses_values_outside_the_range():
    assert pictures.to_unit_range(np.array([-1.0, 0.0, 1.0]), "tanh")[0].tolist() == [0.0, 0.5, 1.0]
    assert pictures.to_unit_range(np.array([0.25]), "auto")[1] == "sigmoid"
    assert pictures.to_unit_range(np.array([-0.5, 0.5]), "auto")[1] == "tanh"
    with pytest.raises(ValueError, match=r"outside the 'sigmoid' range .* Pass image_range="):
        pictures.to_unit_range(np.array([0.0, 3.0]), "sigmoid")
    with pytest.raises(ValueError, match="image_range must be"):
        pictures.to_unit_range(np.zeros(2), "relu")


def test_encode_png_round_trips():
    import tensorflow as tf

    picture = (np.arange(12, dtype=np.uint8) * 20).reshape(2, 2, 3)
    np.testing.assert_array_equal(tf.io.decode_png(pictures.encode_png(picture)).numpy(), picture)
