"""lstm-sentiment: recurrent text classifiers (LSTM/GRU) from Python.

The Python face of the C++ library libsentiment: load a model file and classify text,
explain a prediction, train a model from a configuration and a corpus.

    import lstm_sentiment
    model = lstm_sentiment.Model.load("runs/r1/final.model")
    model.predict(["A moving, funny film."])   # float32 array (n, num_classes)
    model.predict_labels(["A moving, funny film."])   # ['positive']

Everything is implemented in C++ (the _core extension module); see docs/python.md.
"""

from ._core import (
    Error,
    Explanation,
    Model,
    Progress,
    TrainResult,
    Word,
    __version__,
    train,
)

__all__ = [
    "Error",
    "Explanation",
    "Model",
    "Progress",
    "TrainResult",
    "Word",
    "__version__",
    "train",
]
