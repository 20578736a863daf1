"""lstm_sentiment.Model: loading, the model's description, predict / predict_labels /
predict_classes (bit for bit the CLI's probabilities), explain, save, and the texts it takes."""
import json
import pathlib
import shutil

import numpy as np
import pytest

from conftest import TEXTS, cli_predict


def test_version(lstm_sentiment):
    assert lstm_sentiment.__version__.count(".") == 2
    assert all(part.isdigit() for part in lstm_sentiment.__version__.split("."))


def test_describes_the_model(tiny):
    assert tiny.labels == ["bad", "good"]
    assert tiny.num_classes == 2
    assert tiny.max_length == 12
    assert tiny.vocabulary_size == 40
    assert "LSTM(8)" in tiny.architecture
    assert "LSTM(8)" in repr(tiny)
    meta = tiny.metadata
    assert set(meta) == {"training", "metrics"}
    assert meta["metrics"]["test_accuracy"] > 0.9


def test_predict_is_a_float32_probability_array(tiny):
    probs = tiny.predict(TEXTS)
    assert isinstance(probs, np.ndarray)
    assert probs.dtype == np.float32
    assert probs.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    assert probs[0, 1] > 0.5 > probs[1, 1]
    assert tiny.predict([]).shape == (0, 2)


def test_predict_equals_the_cli_bit_for_bit(tiny, models, sentiment_bin):
    probs = tiny.predict(TEXTS)
    labels = tiny.predict_labels(TEXTS)
    for k, record in enumerate(cli_predict(sentiment_bin, models / "tiny.model", TEXTS)):
        # Binary models print P(labels[1]).
        assert np.float32(record["probability"]) == probs[k, 1], TEXTS[k]
        assert record["label"] == labels[k]


def test_multiclass_equals_the_cli_bit_for_bit(three, models, sentiment_bin):
    assert three.num_classes == 3
    assert three.labels == ["bad", "flat", "good"]  # sorted
    texts = ["a plain average film", "a superb story", "an awful plot", "ordinary, truly dull"]
    probs = three.predict(texts)
    assert probs.shape == (4, 3)
    classes = three.predict_classes(texts)
    assert classes.dtype == np.int64
    assert list(classes) == list(probs.argmax(axis=1))
    assert three.predict_labels(texts) == [three.labels[c] for c in classes]
    for k, record in enumerate(cli_predict(sentiment_bin, models / "three.model", texts)):
        cli = [np.float32(record["probabilities"][label]) for label in three.labels]
        assert np.array_equal(np.array(cli, dtype=np.float32), probs[k]), texts[k]
        assert record["label"] == three.labels[classes[k]]


def test_labels_and_classes_agree(tiny):
    probs = tiny.predict(TEXTS)
    classes = tiny.predict_classes(TEXTS)
    assert list(classes) == [int(p > 0.5) for p in probs[:, 1]]
    assert tiny.predict_labels(TEXTS) == [tiny.labels[c] for c in classes]


def test_any_iterable_of_str(tiny):
    expected = tiny.predict(TEXTS)
    assert np.array_equal(tiny.predict(tuple(TEXTS)), expected)
    assert np.array_equal(tiny.predict(t for t in TEXTS), expected)
    assert np.array_equal(tiny.predict(np.array(TEXTS)), expected)
    # One text at a time gives what the batch gives.
    for k, text in enumerate(TEXTS):
        assert np.array_equal(tiny.predict([text])[0], expected[k])


def test_texts_must_be_str(tiny):
    with pytest.raises(TypeError, match="one str"):
        tiny.predict("a superb film")
    with pytest.raises(TypeError, match="bytes"):
        tiny.predict(b"a superb film")
    with pytest.raises(TypeError, match=r"texts\[1\]: expected str, got bytes"):
        tiny.predict(["a superb film", b"a dull film"])
    with pytest.raises(TypeError, match=r"texts\[0\]: expected str, got int"):
        tiny.predict_labels([3])
    with pytest.raises(TypeError):
        tiny.predict(42)
    with pytest.raises(TypeError, match="expected str, got bytes"):
        tiny.explain(b"a superb film")
    with pytest.raises(UnicodeEncodeError):
        tiny.predict(["lone surrogate \ud800"])


def test_bad_text_raises_the_library_error(lstm_sentiment, tiny):
    with pytest.raises(lstm_sentiment.Error, match="2") as caught:
        tiny.predict(["fine", "   "])
    assert "empty" in str(caught.value)
    with pytest.raises(lstm_sentiment.Error, match="empty"):
        tiny.explain("")
    with pytest.raises(lstm_sentiment.Error):
        tiny.predict(["x" * (2 << 20)])  # over the 1 MiB limit


def test_error_is_a_runtime_error(lstm_sentiment):
    assert issubclass(lstm_sentiment.Error, RuntimeError)


def test_missing_and_corrupt_files(lstm_sentiment, models, tmp_path):
    missing = tmp_path / "missing.model"
    with pytest.raises(lstm_sentiment.Error, match="missing.model"):
        lstm_sentiment.Model.load(missing)
    garbage = tmp_path / "garbage.model"
    garbage.write_bytes(b"this is not a model file\n" * 10)
    with pytest.raises(lstm_sentiment.Error, match="garbage.model"):
        lstm_sentiment.Model.load(str(garbage))
    data = (models / "tiny.model").read_bytes()
    truncated = tmp_path / "truncated.model"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(lstm_sentiment.Error, match="truncated.model"):
        lstm_sentiment.Model.load(truncated)
    with pytest.raises(lstm_sentiment.Error):
        lstm_sentiment.Model.load(tmp_path)  # a folder


def test_explain(lstm_sentiment, tiny):
    text = "a wonderful <script>x</script> film"
    e = tiny.explain(text)
    assert isinstance(e, lstm_sentiment.Explanation)
    assert e.label == tiny.predict_labels([text])[0]
    assert e.probability == tiny.predict([text])[0, 1]
    assert e.labels == ["bad", "good"]
    words = e.words
    assert [w.word for w in words][:2] == ["a", "wonderful"]
    for word, contribution, known, truncated in words:
        assert isinstance(word, str) and isinstance(contribution, float)
        assert isinstance(known, bool) and truncated is False
    assert next(w for w in words if w.word == "wonderful").contribution > 0
    parsed = json.loads(e.json())
    assert parsed["label"] == e.label
    assert [w["word"] for w in parsed["words"]] == [w.word for w in words]
    page = e.html("A title")
    assert "<html" in page.lower() and "A title" in page
    assert "<script>" not in page
    assert e._repr_html_().startswith("<!")


def test_explain_marks_truncated_words(tiny):
    words = tiny.explain(" ".join(["superb"] * 20)).words
    assert len(words) == 20
    assert sum(w.truncated for w in words) == 20 - tiny.max_length
    assert all(w.contribution == 0 for w in words if w.truncated)


def test_save_round_trips(lstm_sentiment, tiny, tmp_path):
    path = tmp_path / "saved.model"
    tiny.save(path)  # os.PathLike
    again = lstm_sentiment.Model.load(str(path), threads=2)
    assert np.array_equal(again.predict(TEXTS), tiny.predict(TEXTS))
    assert again.labels == tiny.labels
    with pytest.raises(lstm_sentiment.Error):
        tiny.save(tmp_path / "no" / "such" / "folder" / "x.model")


def test_paths_may_be_bytes_or_pathlike(lstm_sentiment, models, tmp_path):
    copy = tmp_path / "tiny copy.model"
    shutil.copy(models / "tiny.model", copy)
    a = lstm_sentiment.Model.load(bytes(copy))
    b = lstm_sentiment.Model.load(pathlib.Path(copy))
    assert np.array_equal(a.predict(TEXTS), b.predict(TEXTS))
