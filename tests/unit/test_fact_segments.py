"""The aggregator's segment store against the streaming rule it replaces: per (scope key,
dossier) the entry with the highest (seq, offset) counts, live and after a recovery from the
stored values, and the store stays within about twice what counts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream_processors.core.fact_segments import MAX_SEGMENT_ENTRIES, FactSegments

KEYS, CODES = ("province:all", "agency:A", "agency:B"), tuple(f"c{i}" for i in range(8))
PARTITION = {"province:all": 0, "agency:A": 1, "agency:B": 1}
T = "2025-08-04T09:30:00+07:00"

offers = st.tuples(st.sampled_from(KEYS), st.sampled_from(CODES), st.integers(0, 6),
                   st.one_of(st.none(), st.integers(0, 3)))
batches = st.lists(st.tuples(st.lists(offers, max_size=12), st.booleans()), max_size=25)
_restarts = iter(range(10**9))


def apply(table: dict, writes) -> None:
    for w in writes:
        if w.value is None:
            del table[w.key]  # a delete always names a stored value
        else:
            assert w.key not in table  # segments are written once
            table[w.key] = w.value


def recovered(table: dict) -> FactSegments:
    fresh = FactSegments(nonce=f"r{next(_restarts)}")
    for tkey, value in list(table.items()):
        fresh.load(tkey, value)
    for partition in (0, 1):
        apply(table, fresh.finish_load(partition))
    return fresh


def facts_of(store: FactSegments) -> dict:
    return {key: store.facts(key) for key in KEYS if store.facts(key)}


@settings(max_examples=200, deadline=None)
@given(batches)
def test_live_and_recovered_facts_follow_the_streaming_rule(script):
    table, store, model, offset = {}, FactSegments(nonce="a"), {}, 0
    after_removal = False  # a stale entry after a removal: its guard may be gone (as before)
    for batch, restart in script:
        if restart:  # continue from what a restarted worker recovers
            store = recovered(table)
        for key, code, seq, value in batch:
            facts = None if value is None else {"v": value, "seq": seq}
            entry = {"code": code, "seq": seq, "time": T, "facts": facts}
            current = model.get((key, code))
            if current is None or (seq, offset) >= current[:2]:
                model[(key, code)] = (seq, offset, facts)
            elif current[2] is None:
                after_removal = True
            store.offer(key, PARTITION[key], entry, offset)
            offset += 1
        apply(table, store.commit())
        expected = {}
        for (key, code), (_, _, facts) in model.items():
            if facts is not None:
                expected.setdefault(key, {})[code] = facts
        assert facts_of(recovered(dict(table))) == facts_of(store)
        if not after_removal:
            assert facts_of(store) == expected
        counting = sum(len(codes) for p in store.partitions.values() for codes in p.win.values())
        stored = sum(len(v["entries"]) for v in table.values())
        assert stored <= 2 * counting + len(table)


def test_older_one_entry_values_are_read_and_replaced_by_segments():
    table = {"agency:A|c1": {"seq": 2, "facts": {"v": 1}, "time": T, "p": 0},
             "agency:A|c2": {"seq": 1, "facts": {"v": 2}, "time": T, "p": 0}}
    store = recovered(table)
    assert store.facts("agency:A") == {"c1": {"v": 1}, "c2": {"v": 2}}
    store.offer("agency:A", 0, {"code": "c1", "seq": 2, "time": T, "facts": {"v": 3}}, 10)
    apply(table, store.commit())
    assert "agency:A|c1" not in table and "agency:A|c2" in table
    assert facts_of(recovered(table)) == {"agency:A": {"c1": {"v": 3}, "c2": {"v": 2}}}


def test_one_segment_per_partition_per_batch_until_it_is_full():
    store = FactSegments(nonce="a")
    for i in range(MAX_SEGMENT_ENTRIES):
        store.offer("province:all", 0, {"code": f"c{i}", "seq": 1, "time": T, "facts": {}}, i)
    store.offer("agency:A", 0, {"code": "c0", "seq": 1, "time": T, "facts": {}}, 0)
    store.offer("agency:B", 1, {"code": "c0", "seq": 1, "time": T, "facts": {}}, 0)
    writes = store.commit()
    assert sorted(w.partition for w in writes) == [0, 0, 1]
    assert all(w.value is not None and len(w.value["entries"]) <= MAX_SEGMENT_ENTRIES
               for w in writes)
    assert len(store.facts("province:all")) == MAX_SEGMENT_ENTRIES


def test_a_removal_is_kept_only_while_an_older_copy_exists():
    table, store = {}, FactSegments(nonce="a")
    store.offer("agency:A", 0, {"code": "c1", "seq": 1, "time": T, "facts": {"v": 1}}, 0)
    store.offer("agency:A", 0, {"code": "c2", "seq": 1, "time": T, "facts": {"v": 1}}, 1)
    store.offer("agency:A", 0, {"code": "c3", "seq": 1, "time": T, "facts": {"v": 1}}, 2)
    apply(table, store.commit())
    store.offer("agency:A", 0, {"code": "c1", "seq": 2, "time": T, "facts": None}, 3)
    apply(table, store.commit())  # c1's older copy still sits in the first segment
    assert any(e["facts"] is None for v in table.values() for e in v["entries"])
    for offset, code in ((4, "c2"), (5, "c3")):
        store.offer("agency:A", 0, {"code": code, "seq": 2, "time": T, "facts": {"v": 2}}, offset)
        apply(table, store.commit())
    # the first segment is gone, so the removal shadows nothing and is gone with its segment
    assert not any(e["facts"] is None for v in table.values() for e in v["entries"])
    assert facts_of(recovered(table)) == {"agency:A": {"c2": {"v": 2}, "c3": {"v": 2}}}


def test_a_never_stored_dossier_leaving_a_key_writes_nothing():
    store = FactSegments(nonce="a")
    store.offer("agency:A", 0, {"code": "c1", "seq": 1, "time": T, "facts": None}, 0)
    assert store.commit() == [] and store.facts("agency:A") == {}
