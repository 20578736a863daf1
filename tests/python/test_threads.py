"""The GIL is released while the library computes: one model predicts from many Python
threads at once with the results of one thread, and other Python threads keep running
during a long predict or a training run."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from conftest import TEXTS, TINY_CONFIG


def test_predict_from_four_threads(tiny):
    texts = TEXTS * 50
    expected = tiny.predict(texts)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: tiny.predict(texts), range(16)))
    for probs in results:
        assert np.array_equal(probs, expected)
    with ThreadPoolExecutor(max_workers=4) as pool:
        labels = list(pool.map(lambda t: tiny.explain(t).label, TEXTS * 4))
    assert labels == tiny.predict_labels(TEXTS * 4)


def largest_pause_while(call):
    """Runs call() in another thread; returns (the seconds it took, the longest time this
    thread went without running a step of Python meanwhile). Were the GIL held through the
    call, the pause would be about the whole call."""
    done = threading.Event()
    took = []

    def run():
        begin = time.perf_counter()
        call()
        took.append(time.perf_counter() - begin)
        done.set()

    thread = threading.Thread(target=run)
    last = time.perf_counter()
    thread.start()
    pause = 0.0
    while not done.is_set():
        now = time.perf_counter()
        pause = max(pause, now - last)
        last = now
    thread.join()
    return took[0], pause


def test_python_runs_during_predict(lstm_sentiment, models):
    one_thread = lstm_sentiment.Model.load(models / "tiny.model", threads=1)
    texts = TEXTS * 50000
    seconds, pause = largest_pause_while(lambda: one_thread.predict(texts))
    assert pause < seconds / 2, (seconds, pause)


def test_python_runs_during_train(lstm_sentiment, models):
    config = dict(TINY_CONFIG, training=dict(TINY_CONFIG["training"], epochs=200))
    seconds, pause = largest_pause_while(lambda: lstm_sentiment.train(
        config, data=models / "train.txt", threads=1))
    assert pause < seconds / 2, (seconds, pause)
