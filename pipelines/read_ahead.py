"""Read ahead: fetch the next batches in a background thread while the current one is written.

An extractor spends its time waiting on HTTP and parsing JSON; landing spends it in DuckDB, which
releases the GIL. Overlapping the two brings landing close to the raw fetch rate, as dlt and the
Singer taps do with their buffered readers. Order is kept and nothing is skipped: items come out in
the order the source produced them, and an error in the source is raised to the consumer only after
every item produced before it, so whatever was fetched before a failure is still landed (and its
cursor committed) first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def read_ahead(source: Iterable[T], depth: int = 2, *, name: str = "read-ahead") -> Iterator[T]:
    """Yield the items of `source`, produced up to `depth` items ahead in a daemon thread.

    `depth <= 0` reads inline (no thread). Closing the returned generator early (a consumer error,
    `break`) stops the producer after its current item and closes `source`.
    """
    if depth <= 0:
        yield from source
        return
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item) -> bool:
        """Put `item` unless the consumer has gone; True when it was handed over."""
        while not stop.is_set():
            try:
                buffer.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        iterator = iter(source)
        try:
            for item in iterator:
                if not offer(item):
                    break
            else:
                offer(_DONE)
        except BaseException as error:  # handed to the consumer, raised there in order
            offer(_Failure(error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()
