"""`SampleGrid`: the same fixed latent batch drawn after epochs, as PNG files and TensorBoard images."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_gan import files, pictures

__all__ = ["SampleGrid"]


class SampleGrid(keras.callbacks.Callback):
    """Writes G(z) for one fixed latent batch as `<directory>/epoch_NNNN.png` (and to TensorBoard) after epochs.

    The latent batch is drawn once, from the GAN's prior with a fixed seed, so grids of successive epochs show
    the same z. Image data is tiled into a grid; 1-D/2-D toy data is drawn as histograms / a scatter plot over
    the data (`reference`). A `ConditionalGAN`'s grid has one row per class (num_samples // num_classes columns),
    and each column uses one z for every class.

    Args:
        directory: Str, where the PNGs go (created if missing).
        num_samples: Positive int, samples per picture.
        seed: Int seed of the fixed latent batch.
        every_epochs: Positive int; the last epoch of `fit` is always drawn.
        image_shape: (H, W, C) for flat image data, or None.
        reference: For toy data: data points drawn behind the samples.
        tensorboard_dir: Optional str; if given, pictures are also logged as TensorBoard images ("samples").
        image_range: Images: "sigmoid" ([0, 1] outputs), "tanh" ([-1, 1], mapped to [0, 1]), "auto", or None to
            draw the outputs as they are. Ignored for 1-D / 2-D points.

    Example:
        >>> gan.fit(ds, epochs=5, callbacks=[SampleGrid("run/samples", num_samples=64)])
    """

    def __init__(
        self, directory, num_samples=64, seed=0, every_epochs=1, image_shape=None, reference=None,
        tensorboard_dir=None, image_range="auto",
    ):
        super().__init__()
        self.directory = directory
        self.num_samples = num_samples
        self.seed = seed
        self.every_epochs = every_epochs
        self.image_shape = image_shape
        self.reference = None if reference is None else np.asarray(reference)[:2000]
        self.tensorboard_dir = tensorboard_dir
        self.image_range = image_range
        self._writer = None
        self._z = None
        self._last_written = None

    def picture(self):
        """The current picture of the fixed latent batch, uint8 [H, W, C] (a conditional GAN's: one row per class)."""
        classes = getattr(self.model, "num_classes", None)
        columns = None
        if self._z is None:
            if classes:
                # Row c holds class c; each column shares one z across the classes (the same style, every class).
                columns = max(1, self.num_samples // classes)
                z = self.model.sample_noise(columns, seed=self.seed)
                labels = np.repeat(np.arange(classes, dtype=np.int32), columns)
                self._z = [keras.ops.tile(z, (classes, 1)), keras.ops.convert_to_tensor(labels)]
            else:
                self._z = self.model.sample_noise(self.num_samples, seed=self.seed)
        if classes:
            columns = int(self._z[1].shape[0]) // classes
        samples = keras.ops.convert_to_numpy(self.model.sampling_generator(self._z, training=False))
        is_points = samples.ndim == 2 and samples.shape[1] <= 2 and self.image_shape is None
        if self.image_range is not None and not is_points:
            samples, _ = pictures.to_unit_range(samples, self.image_range)
        return pictures.picture(samples, self.image_shape, self.reference, columns=columns)

    def write(self, epoch):
        """Writes the picture for 1-based `epoch`; returns its path."""
        picture = self.picture()
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"epoch_{epoch:04d}.png")
        files.atomic_write(path, pictures.encode_png(picture))
        if self.tensorboard_dir:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.tensorboard_dir)
            with self._writer.as_default():
                tf.summary.image("samples", picture[None], step=epoch)
            self._writer.flush()
        self._last_written = epoch
        return path

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if (epoch + 1) % self.every_epochs == 0:
            self.write(epoch + 1)

    def on_train_end(self, logs=None):
        epoch = getattr(self, "_epoch", None)
        if epoch and self._last_written != epoch:
            self.write(epoch)
        if self._writer is not None:
            self._writer.close()
            self._writer = None
