"""Read-ahead keeps order, raises a source's error after what came before it, and stops early."""

from __future__ import annotations

import threading
import time

import pytest

from pipelines.read_ahead import read_ahead


def test_items_come_out_in_order_and_complete():
    assert list(read_ahead(iter(range(100)), depth=3)) == list(range(100))


def test_depth_zero_reads_inline_in_the_calling_thread():
    threads = []

    def source():
        for i in range(3):
            threads.append(threading.current_thread())
            yield i

    assert list(read_ahead(source(), depth=0)) == [0, 1, 2]
    assert set(threads) == {threading.current_thread()}


def test_a_source_error_comes_after_every_item_produced_before_it():
    def source():
        yield 1
        yield 2
        raise ConnectionError("dropped")

    seen = []
    with pytest.raises(ConnectionError, match="dropped"):
        for item in read_ahead(source(), depth=2):
            seen.append(item)
    assert seen == [1, 2]


def test_the_source_runs_ahead_while_the_consumer_works():
    produced = []

    def source():
        for i in range(3):
            produced.append(i)
            yield i

    items = read_ahead(source(), depth=2)
    assert next(items) == 0
    deadline = time.time() + 5
    while len(produced) < 3 and time.time() < deadline:
        time.sleep(0.01)
    assert produced == [0, 1, 2], "the next items are fetched before the consumer asks"
    assert list(items) == [1, 2]


def test_closing_early_stops_and_closes_the_source():
    closed = threading.Event()

    def source():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    items = read_ahead(source(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.wait(5), "the source generator is closed when the consumer stops"
