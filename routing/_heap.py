"""A binary min-heap on flat arrays for numba kernels (lazy deletion: stale entries are
skipped by the caller when popped)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, inline="always")
def heap_push(keys: np.ndarray, items: np.ndarray, size: int, key: float, item: int) -> int:
    i = size
    keys[i] = key
    items[i] = item
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        items[i] = items[parent]
        i = parent
    keys[i] = key
    items[i] = item
    return size + 1


@njit(cache=True, inline="always")
def heap_pop(keys: np.ndarray, items: np.ndarray, size: int) -> tuple[float, int, int]:
    """Remove the minimum; returns (key, item, new size)."""
    top_key = keys[0]
    top_item = items[0]
    size -= 1
    if size > 0:
        key = keys[size]
        item = items[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            if child + 1 < size and keys[child + 1] < keys[child]:
                child += 1
            if keys[child] >= key:
                break
            keys[i] = keys[child]
            items[i] = items[child]
            i = child
        keys[i] = key
        items[i] = item
    return top_key, top_item, size
