"""lstm_sentiment.train: the same model as `sentiment train` with the same settings (the
fixture's tiny.model), Keras-style history, progress and log callbacks, errors raised in
callbacks, configuration files and run folders, and bad configurations."""
import json

import numpy as np
import pytest

from conftest import TEXTS, TINY_CONFIG


@pytest.fixture(scope="module")
def trained(lstm_sentiment, models):
    reports, lines = [], []
    result = lstm_sentiment.train(TINY_CONFIG, data=models / "train.txt",
                                  test_data=str(models / "test.txt"), threads=1,
                                  progress=reports.append, log=lines.append)
    return result, reports, lines


def test_train_gives_the_cli_model(trained, tiny):
    result, _, _ = trained
    # tiny.model came from `sentiment train` with these settings: the same weights.
    assert np.array_equal(result.model.predict(TEXTS), tiny.predict(TEXTS))
    assert result.model.architecture == tiny.architecture
    assert result.model.labels == ["bad", "good"]


def test_history_and_test_figures(trained):
    result, _, _ = trained
    history = result.history
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert result.test_accuracy > 0.9
    assert isinstance(result.test_loss, float)
    assert result.out is None


def test_progress_reports_every_batch_and_epoch(trained, lstm_sentiment):
    result, reports, lines = trained
    assert all(isinstance(p, lstm_sentiment.Progress) for p in reports)
    epochs = [p for p in reports if p.epoch_end]
    batches = [p for p in reports if not p.epoch_end]
    assert [p.epoch for p in epochs] == [1, 2, 3, 4]
    assert len(batches) == 4 * 5  # 77 training rows after the 20% validation split, batch 16
    assert all(1 <= p.step <= p.steps == 5 and p.epochs == 4 for p in batches)
    assert [p.loss for p in epochs] == result.history["loss"]
    assert [p.val_accuracy for p in epochs] == result.history["val_accuracy"]
    assert all(p.has_validation and p.seconds >= 0 for p in epochs)
    assert any(line.startswith("Test Accuracy:") for line in lines)


def test_without_a_test_split(lstm_sentiment, models):
    result = lstm_sentiment.train(TINY_CONFIG, data=models / "train.txt", threads=2)
    assert result.test_accuracy is None and result.test_loss is None
    assert len(result.history["loss"]) == 4


def test_config_file_and_run_folder(lstm_sentiment, models, tmp_path, tiny):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(TINY_CONFIG))
    result = lstm_sentiment.train(config, data=models / "train.txt",
                                  test_data=models / "test.txt", out=tmp_path / "run", threads=1)
    assert result.out == str(tmp_path / "run")
    assert (tmp_path / "run" / "final.model").exists()
    assert np.array_equal(result.model.predict(TEXTS), tiny.predict(TEXTS))
    with pytest.raises(lstm_sentiment.Error, match="already holds a run"):
        lstm_sentiment.train(str(config), data=models / "train.txt", out=tmp_path / "run")
    again = lstm_sentiment.train(str(config), data=models / "train.txt", out=tmp_path / "run",
                                 overwrite=True, threads=1)
    assert again.test_accuracy is None


class Stop(Exception):
    pass


def test_an_exception_in_progress_stops_training(lstm_sentiment, models):
    calls = []

    def progress(p):
        calls.append(p)
        if len(calls) == 3:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        lstm_sentiment.train(TINY_CONFIG, data=models / "train.txt", threads=1,
                             progress=progress)
    assert len(calls) == 3


def test_an_exception_in_log_stops_training(lstm_sentiment, models):
    def log(line):
        raise KeyError(line)

    with pytest.raises(KeyError):
        lstm_sentiment.train(TINY_CONFIG, data=models / "train.txt", threads=1, log=log)


def test_bad_configurations(lstm_sentiment, models, tmp_path):
    data = models / "train.txt"
    with pytest.raises(lstm_sentiment.Error, match="epochz"):
        lstm_sentiment.train({"training": {"epochz": 3}}, data=data)
    with pytest.raises(lstm_sentiment.Error):
        lstm_sentiment.train({"training": {"epochs": -1}}, data=data)
    with pytest.raises(lstm_sentiment.Error, match="nothing.json"):
        lstm_sentiment.train(tmp_path / "nothing.json", data=data)
    with pytest.raises(lstm_sentiment.Error, match="no-such-corpus"):
        lstm_sentiment.train(TINY_CONFIG, data=tmp_path / "no-such-corpus.txt")
    with pytest.raises(TypeError):
        lstm_sentiment.train({"training": {"epochs": {1, 2}}}, data=data)  # not JSON
