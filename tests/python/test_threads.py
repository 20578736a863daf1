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


def largest_pause_while(work):
    """Runs work() in a thread; returns (its seconds, the longest time the calling thread
    went without running a step of Python meanwhile)."""
    started = threading.Event()
    done = threading.Event()

    def run():
        started.set()
        work()
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    started.wait()
    begin = last = time.perf_counter()
    pause = 0.0
    while not done.is_set():
        now = time.perf_counter()
        pause = max(pause, now - last)
        last = now
    thread.join()
    return time.perf_counter() - begin, pause


def test_python_runs_during_predict(tiny):
    texts = TEXTS * 4000
    seconds, pause = largest_pause_while(lambda: tiny.predict(texts))
    # Holding the GIL, predict would stop this thread for nearly all of its time.
    assert seconds > 0.05
    assert pause < seconds / 2, (seconds, pause)


def test_python_runs_during_train(lstm_sentiment, models):
    config = dict(TINY_CONFIG, training=dict(TINY_CONFIG["training"], epochs=12))
    seconds, pause = largest_pause_while(lambda: lstm_sentiment.train(
        config, data=models / "train.txt", threads=1))
    assert pause < seconds / 2, (seconds, pause)
