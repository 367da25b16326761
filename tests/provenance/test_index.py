"""HammingIndex: brute-force nearest neighbours over packed codes."""

from __future__ import annotations

import numpy as np

from provenance.library.index import HammingIndex, Hit


def _code(*bits: int, length: int = 2) -> bytes:
    """A `length`-byte code with the given bit positions set (bit 0 is the most significant)."""
    value = sum(1 << (8 * length - 1 - bit) for bit in bits)
    return value.to_bytes(length, "big")


def _index() -> HammingIndex:
    index = HammingIndex(bits=16)
    index.add(1, _code())  # 0 bits set
    index.add(2, _code(0, 1, 2))  # 3 bits
    index.add(3, _code(*range(8)))  # 8 bits
    return index


def test_empty_index() -> None:
    index = HammingIndex(bits=16)
    assert len(index) == 0
    assert index.search([_code()], max_distance=16, limit=10) == []
    assert index.distance(1, [_code()]) is None


def test_add_and_add_many() -> None:
    index = HammingIndex(bits=16)
    index.add(7, _code(3))
    index.add_many([8, 9], [_code(4), _code(5)])
    index.add_many([], [])
    assert len(index) == 3
    assert index.distance(9, [_code(5)]) == 0


def test_search_is_sorted_by_distance() -> None:
    hits = _index().search([_code()], max_distance=16, limit=10)
    assert hits == [Hit(1, 0), Hit(2, 3), Hit(3, 8)]


def test_search_respects_max_distance_inclusively() -> None:
    index = _index()
    assert [hit.reference_id for hit in index.search([_code()], max_distance=3, limit=10)] == [1, 2]
    assert [hit.reference_id for hit in index.search([_code()], max_distance=2, limit=10)] == [1]


def test_search_respects_limit() -> None:
    assert [hit.reference_id for hit in _index().search([_code()], max_distance=16, limit=2)] == [1, 2]
    assert _index().search([_code()], max_distance=16, limit=0) == []


def test_search_keeps_the_closest_query_code_per_reference() -> None:
    index = HammingIndex(bits=16)
    index.add(1, _code(0, 1, 2, 3))
    index.add(2, _code(*range(8, 16)))
    queries = [_code(), _code(*range(8, 15)), _code(*range(6))]
    hits = index.search(queries, max_distance=16, limit=10)
    assert hits == [Hit(reference_id=2, distance=1), Hit(reference_id=1, distance=2)]


def test_distance_is_the_closest_of_the_queries() -> None:
    index = _index()
    assert index.distance(3, [_code(), _code(*range(6))]) == 2
    assert index.distance(3, []) is None
    assert index.distance(99, [_code()]) is None


def test_remove() -> None:
    index = _index()
    index.remove(2)
    assert len(index) == 2
    assert index.distance(2, [_code()]) is None
    assert [hit.reference_id for hit in index.search([_code(0, 1, 2)], max_distance=16, limit=10)] == [1, 3]
    index.remove(42)  # not indexed: nothing happens
    assert len(index) == 2


def test_256_bit_codes() -> None:
    index = HammingIndex(bits=256)
    index.add_many([1, 2], [bytes(32), b"\xff" * 32])
    hits = index.search([b"\xff" * 31 + b"\x00"], max_distance=256, limit=10)
    assert hits == [Hit(2, 8), Hit(1, 248)]


def test_equally_close_references_are_ranked_by_id_even_past_the_first_k() -> None:
    index = HammingIndex(bits=16)
    index.add_many(list(range(100, 0, -1)), [_code(1)] * 100)
    index.add(500, _code())
    hits = index.search([_code()], max_distance=16, limit=60)
    assert hits[0] == Hit(500, 0)
    assert [hit.reference_id for hit in hits[1:]] == list(range(1, 60))
    assert {hit.distance for hit in hits[1:]} == {1}


def test_adding_a_reference_again_replaces_its_code() -> None:
    index = _index()
    index.add(3, _code(0))
    assert len(index) == 3
    assert index.distance(3, [_code()]) == 1
    assert index.code(3) == _code(0)
    assert index.code(42) is None


def test_search_agrees_with_a_brute_force_scan_ranked_by_distance_then_id() -> None:
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (3000, 8), dtype=np.uint8)
    codes[1000:1400] = codes[0]  # many references equally close to any query
    index = HammingIndex(bits=64)
    index.add_many(list(range(1, 3001)), [bytes(code) for code in codes])
    for trial in range(20):
        queries = rng.integers(0, 256, (8, 8), dtype=np.uint8)
        queries[0] = codes[0] ^ (rng.random(8) < 0.1).astype(np.uint8) if trial % 2 else queries[0]
        distances = np.bitwise_count(queries[:, None, :] ^ codes[None, :, :]).sum(axis=2).min(axis=0)
        for radius, limit in ((22, 5), (64, 40), (10, 500)):
            order = np.argsort(distances, kind="stable")
            expected = [Hit(int(i) + 1, int(distances[i])) for i in order if distances[i] <= radius][:limit]
            assert index.search([bytes(q) for q in queries], radius, limit) == expected
