"""`CSVLog`: one row per epoch, each epoch once across resumes."""

import csv
import io
import os

import keras

from keras_gan import files

__all__ = ["CSVLog"]


class CSVLog(keras.callbacks.Callback):
    """Appends one row per epoch (the 0-based `epoch`, then the logs' keys in sorted order) to a CSV file.

    Unlike `keras.callbacks.CSVLogger` it adds no empty `val_*` columns, syncs each row to disk, and on a resumed
    run first drops the rows of epochs at or after `initial_epoch` (written after the checkpoint resumed from),
    so the file holds each epoch once.

    Args:
        path: Str, the CSV file (appended to if it exists).

    Example:
        >>> gan.fit(ds, epochs=5, callbacks=[CSVLog("run/log.csv")])
    """

    def __init__(self, path):
        super().__init__()
        self.path = path
        self._header = None

    def on_train_begin(self, logs=None):
        self._header = None
        if os.path.exists(self.path):
            with open(self.path, newline="") as f:
                rows = list(csv.reader(f))
            if rows:
                self._header = rows[0]

    def trim(self, initial_epoch):
        """Keeps only rows of epochs < `initial_epoch` (all of them go when it is 0)."""
        if not os.path.exists(self.path):
            return
        with open(self.path, newline="") as f:
            rows = list(csv.reader(f))
        kept = []
        for row in rows[1:]:
            try:
                if rows and len(row) == len(rows[0]) and int(row[0]) < initial_epoch:
                    kept.append(row)
            except ValueError:  # a line cut short by a crash
                pass
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if kept:
            writer.writerow(rows[0])
            writer.writerows(kept)
        files.atomic_write(self.path, buffer.getvalue())

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self._header is None:
            self._header = ["epoch"] + sorted(logs)
        values = [epoch] + [_csv_value(logs.get(key, "")) for key in self._header[1:]]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        new_file = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        if new_file:
            writer.writerow(self._header)
        writer.writerow(values)
        with open(self.path, "a", newline="") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())


def _csv_value(value):
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return value
