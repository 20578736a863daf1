"""Fixtures of the Python module's tests: the small models and corpora tests/fixtures/
tiny_models.sh writes into $SENTIMENT_TEST_MODELS (ctest fixture tiny_models) and the CLI
$SENTIMENT_BIN, whose output the module's results are compared with."""
import json
import os
import pathlib
import subprocess

import pytest

TINY_CONFIG = {
    "data": {"maxlen": 12},
    "model": {"vocab_size": 40, "embedding_dim": 8, "layers": [{"units": 8}]},
    "training": {"epochs": 4, "batch_size": 16, "learning_rate": 0.02},
}

TEXTS = [
    "a wonderful film, truly moving",
    "a dull boring movie",
    "the cast was superb",
    "tedious and dreadful from start to end",
    "an ordinary story",
    "Ünïcode — “quotes” and émojis 🎬 in a superb film",
]


def _env_path(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"${name} is not set: run these tests through ctest (tests/python)")
    return pathlib.Path(value)


@pytest.fixture(scope="session")
def models():
    path = _env_path("SENTIMENT_TEST_MODELS")
    if not (path / "tiny.model").exists():
        pytest.fail(f"{path}/tiny.model is missing: the ctest fixture tiny_models makes it")
    return path


@pytest.fixture(scope="session")
def sentiment_bin():
    return str(_env_path("SENTIMENT_BIN"))


@pytest.fixture(scope="session")
def lstm_sentiment():
    import lstm_sentiment

    return lstm_sentiment


@pytest.fixture(scope="session")
def tiny(lstm_sentiment, models):
    return lstm_sentiment.Model.load(str(models / "tiny.model"))


@pytest.fixture(scope="session")
def three(lstm_sentiment, models):
    return lstm_sentiment.Model.load(str(models / "three.model"))


def cli_predict(sentiment_bin, model_path, texts):
    """`sentiment predict MODEL --json` for each text: one JSON object per text. Its
    probabilities are float32 values printed as the shortest decimal of their exact double,
    so they come back to float32 without loss."""
    out = subprocess.run(
        [sentiment_bin, "predict", str(model_path), "--json", "--threads", "1", *texts],
        check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]
