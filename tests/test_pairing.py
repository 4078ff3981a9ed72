"""A pairing index patched from an earlier version's (queries/pairing.py) finds exactly what one built anew
finds: the same pairs, partners, supersets, technologies met and UNDER relations, through chains of patches.

These tests drive the index itself with hand-made facts (no engine: the index is plain Python over facts);
tests/test_patch.py checks the same through real ingest runs on the embedded engine."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest

from queries import duplication, pairing
from queries.pairing import PATCH_SHARE, Fact, Pairing

#: A small taxonomy: each technology with itself and its ancestors.
UP = {
    "T": frozenset({"T"}),
    "T1": frozenset({"T1", "T"}),
    "T11": frozenset({"T11", "T1", "T"}),
    "T12": frozenset({"T12", "T1", "T"}),
    "T2": frozenset({"T2", "T"}),
    "U": frozenset({"U"}),
    "U1": frozenset({"U1", "U"}),
}
NATIONS = ["USA", "GBR", "AUS", "CAN", "NZL", "JPN"]


def _fact(
    id_: str, parties: list[str], techs: list[str], above: Sequence[str] = (), kind: str = "PA"
) -> Fact:
    """One agreement's facts as duplication builds them."""
    row = {"id": id_, "title": id_, "type": kind, "parties": parties, "technologies": techs}
    return Fact(row | {"above": list(above), "components": []}, UP)


def _seen(p: Pairing) -> dict[str, Any]:
    """Everything an answer reads from an index, by agreement id (positions differ between the two)."""
    ids = {i: p.facts[i].id for i in p.ranked}
    techs = {u for above in UP.values() for u in above}
    return {
        "live": [p.facts[i].id for i in p.ranked],
        "pairs": [(p.facts[i].id, p.facts[j].id) for i, j in p.pairs()],
        "candidates": {ids[i]: sorted(ids[j] for j in found) for i, found in p.candidates()},
        "partners": {ids[i]: sorted(ids[j] for j in p.partners(i)) for i in p.ranked},
        "under": {ids[i]: sorted(ids[j] for j in p.under.get(i, ())) for i in p.ranked},
        "meets": {
            (ids[i], t): p.meets(UP[t] if t in UP else frozenset({t}), set(p.ranked) - {i})
            for i in p.ranked
            for t in techs
        },
    }


def _random_facts(rng: random.Random, n: int, prefix: str = "A") -> list[Fact]:
    """n agreements on few nations and technologies (so that many pair), some under earlier ones."""
    facts = []
    for k in range(n):
        parties = rng.sample(NATIONS, rng.randint(1, 4))
        techs = rng.sample(sorted(UP), rng.randint(1, 2))
        above = [facts[rng.randrange(k)].id] if k and rng.random() < 0.2 else []
        facts.append(_fact(f"{prefix}{k:03d}", parties, techs, above))
    return facts


def _changed(rng: random.Random, facts: list[Fact], share: float) -> list[Fact]:
    """The next version's facts: some agreements rebuilt with new parties or technologies (or as they were,
    as a new object), some gone (ended), some new; the rest the same objects."""
    out = []
    for f in facts:
        roll = rng.random()
        if roll < share / 3:
            continue  # ended at this date
        if roll < share:
            parties = rng.sample(NATIONS, rng.randint(1, 4)) if rng.random() < 0.5 else f.party_list
            out.append(_fact(f.id, parties, rng.sample(sorted(UP), rng.randint(1, 2)), sorted(f.above)))
        else:
            out.append(f)
    ids = [f.id for f in out]
    out += [
        _fact(f"B{rng.randrange(10**6):06d}", rng.sample(NATIONS, rng.randint(1, 3)), ["T11"], ids[:1])
        for _ in range(rng.randint(0, 2))
    ]
    return sorted({f.id: f for f in out}.values(), key=lambda f: f.id)


@pytest.mark.parametrize("seed", range(12))
def test_a_patched_index_finds_what_a_new_one_finds_through_a_chain_of_patches(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if seed < 8:  # on 60 agreements a changed one meets many pairs: carry them all the same
        monkeypatch.setattr(pairing, "CARRY_SHARE", 1)
    rng = random.Random(seed)
    facts = _random_facts(rng, 60)
    index = Pairing(facts)
    if seed % 2:
        index.partners(index.ranked[0])  # the index by each agreement's own key, patched too once built
    patched_some = False
    for step in range(4):
        facts = _changed(rng, facts, 0.06)
        asked = (seed + step) % 3 != 0  # an old index whose pairs were asked carries them into the patch
        before = _seen(index) if asked else None
        old = index
        index = index.patched(facts)
        patched_some |= bool(index.dead)
        assert _seen(index) == _seen(Pairing(facts))
        assert before is None or _seen(old) == before  # the old version's index still answers that version
    assert patched_some  # the patch path ran, not a new index each time


def _ids(p: Pairing) -> list[tuple[str, str]]:
    """An index's pairs by agreement ids."""
    return [(p.facts[i].id, p.facts[j].id) for i, j in p.pairs()]


def test_a_patched_index_carries_the_old_pairs_and_works_out_only_the_changed_agreements(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pairing, "CARRY_SHARE", 1)  # 80 agreements on 6 nations: a changed one meets many
    rng = random.Random(5)
    facts = _random_facts(rng, 80)
    index = Pairing(facts)
    index.pairs()
    first = _changed(rng, facts, 0.05)
    second = _changed(rng, first, 0.05)
    middle = index.patched(first)  # its pairs never asked: the next patch carries them through it
    later = middle.patched(second)
    assert later.dead and middle.dead
    expected = _ids(Pairing(second))
    monkeypatch.setattr(Pairing, "_ordered_pairs", lambda self: pytest.fail("pairs worked out again"))
    assert _ids(later) == expected and expected


def test_a_patch_with_too_many_new_pairs_works_them_all_out(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(6)
    facts = _random_facts(rng, 80)
    index = Pairing(facts)
    index.pairs()
    later = index.patched(_changed(rng, facts, 0.05))
    assert later.dead
    monkeypatch.setattr(pairing, "CARRY_SHARE", 10**9)  # every new pair is one too many
    worked: list[int] = []
    original = Pairing._ordered_pairs
    monkeypatch.setattr(Pairing, "_ordered_pairs", lambda self: worked.append(1) or original(self))
    assert _ids(later) == _ids(Pairing([later.facts[i] for i in later.ranked]))
    assert len(worked) == 2  # the patched index's, then the new one's


def test_the_framework_of_an_unchanged_agreement_comes_back_related_to_it() -> None:
    # P is under F and does not change; F is rebuilt (retitled): F must not pair with P afterwards either.
    f, p = _fact("F", ["USA", "GBR"], ["T1"], kind="MOU"), _fact("P", ["USA", "GBR"], ["T11"], ["F"])
    others = [_fact(f"X{k}", ["USA", "GBR", "AUS"], ["U"]) for k in range(20)]  # a patch, not a new index
    index = Pairing(sorted([f, p, *others], key=lambda x: x.id))
    assert all({"F", "P"} != {index.facts[i].id, index.facts[j].id} for i, j in index.pairs())
    again = index.patched(
        sorted([_fact("F", ["USA", "GBR"], ["T1"], kind="MOU"), p, *others], key=lambda x: x.id)
    )
    assert again.dead  # patched
    names = {(again.facts[i].id, again.facts[j].id) for i, j in again.pairs()}
    assert ("F", "P") not in names and ("P", "F") not in names
    assert _seen(again) == _seen(
        Pairing(sorted([again.facts[again.at["F"]], p, *others], key=lambda x: x.id))
    )


def test_a_new_agreements_rarest_party_indexes_the_agreements_already_holding_it() -> None:
    # JPN is nobody's rarest party (S and the J agreements are keyed by GBR, as rare and first by name), so
    # S is not indexed under it; N, keyed by JPN, comes in and must find its superset S all the same.
    s = _fact("S", ["USA", "GBR", "JPN", "NZL"], ["T1"])
    filler = [_fact(f"J{k}", ["USA", "GBR", "JPN"], ["U"]) for k in range(3)]
    filler += [_fact(f"Z{k}", ["USA", "NZL", "CAN"], ["U1"]) for k in range(30)]
    facts = sorted([s, *filler], key=lambda x: x.id)
    index = Pairing(facts)
    assert "JPN" not in index.keys
    n = _fact("N", ["JPN"], ["T11"])
    later = index.patched(sorted([*facts, n], key=lambda x: x.id))
    assert later.dead == frozenset() and "N" in later.at  # added, nothing left
    assert _seen(later) == _seen(Pairing(sorted([*facts, n], key=lambda x: x.id)))
    assert ("N", "S") in {(later.facts[i].id, later.facts[j].id) for i, j in later.pairs()}


def test_an_ended_agreement_leaves_no_trace_a_new_key_could_find() -> None:
    # AUS is nobody's rarest party (D is keyed by JPN, X by CAN), so nothing is indexed under it. D ends;
    # then N, keyed by AUS, comes in and AUS's holders are indexed under it: D, gone, must not be one.
    d, x = _fact("D", ["JPN", "AUS"], ["T1"]), _fact("X", ["AUS", "NZL", "CAN"], ["T"])
    rest = [_fact(f"R{k:02d}", ["USA", "GBR"], ["U"]) for k in range(30)]
    index = Pairing(sorted([d, x, *rest], key=lambda f: f.id))
    assert "AUS" not in index.keys
    gone = index.patched(sorted([x, *rest], key=lambda f: f.id))
    assert gone.dead and "D" not in gone.at
    n = _fact("N", ["AUS"], ["T11"])
    back = gone.patched(sorted([x, n, *rest], key=lambda f: f.id))
    assert "AUS" in back.keys
    assert _seen(back) == _seen(Pairing(sorted([x, n, *rest], key=lambda f: f.id)))
    found = [(back.facts[i].id, back.facts[j].id) for i, j in back.pairs()]
    assert [p for p in found if not p[0].startswith("R")] == [("N", "X")]


def test_too_much_changed_builds_a_new_index() -> None:
    rng = random.Random(5)
    facts = _random_facts(rng, 40)
    index = Pairing(facts)
    rebuilt = [_fact(f.id, f.party_list, sorted(f.technologies), sorted(f.above)) for f in facts]
    assert len(rebuilt) > PATCH_SHARE * len(facts)
    again = index.patched(rebuilt)
    assert again.dead == frozenset() and again.ranked == list(range(len(rebuilt)))
    assert _seen(again) == _seen(index)  # the same facts, as new objects


def test_pairs_are_kept_on_the_index_up_to_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    facts = _random_facts(random.Random(3), 40)
    index = Pairing(facts)
    assert index.pairs() is index.pairs()  # worked out once
    monkeypatch.setattr(pairing, "PAIRS_KEPT", len(index.pairs()) - 1)
    fresh = Pairing(facts)
    assert fresh.pairs() == index.pairs() and fresh.pairs() is not fresh.pairs()  # too many: not kept


def _clusters(p: Pairing, same_type_only: bool) -> list[tuple[list[str], list[tuple[str, list[str]]]]]:
    """An index's duplicate-clusters components by agreement ids: each cluster with its agreements'
    technologies in some overlap."""
    groups, used = duplication.components(p, same_type_only)
    ids = p.facts
    return sorted(
        (sorted(ids[i].id for i in g), sorted((ids[i].id, sorted(used[i])) for i in g)) for g in groups
    )


#: A few technologies under one another, then many unrelated: the first 12 make one large cluster, all of
#: them several.
SPARSE = ["T11", "T12", "U1", "U"] + [f"X{k}" for k in range(20)]


def _sparse(rng: random.Random, id_: str, width: int, above: Sequence[str] = ()) -> Fact:
    """One agreement on one to three of the nations and one or two of the first `width` of SPARSE, a PA or
    an MOU."""
    parties, techs = rng.sample(NATIONS, rng.randint(1, 3)), rng.sample(SPARSE[:width], rng.randint(1, 2))
    return _fact(id_, parties, techs, above, rng.choice(["PA", "MOU"]))


def _next(rng: random.Random, facts: list[Fact], share: float, width: int) -> list[Fact]:
    """The next version: some agreements ended, some rebuilt as they were (a retitle), some rebuilt with
    other parties, technologies or type, a new one or two; the rest the same objects."""
    out = []
    for f in facts:
        roll = rng.random()
        if roll < share / 3:
            continue
        if roll < share * 2 / 3:
            out.append(_sparse(rng, f.id, width, sorted(f.above)))
        elif roll < share:
            out.append(_fact(f.id, f.party_list, sorted(f.technologies), sorted(f.above), f.type or "PA"))
        else:
            out.append(f)
    out += [_sparse(rng, f"B{rng.randrange(10**6):06d}", width) for _ in range(rng.randint(0, 2))]
    return sorted({f.id: f for f in out}.values(), key=lambda f: f.id)


def _counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often clusters are carried, and worked out, from here on."""
    counts = {"carried": 0, "worked": 0}
    carried, worked = duplication._carried, duplication._components

    def carry(p: Pairing, flag: bool) -> Any:
        found = carried(p, flag)
        counts["carried"] += found is not None
        return found

    monkeypatch.setattr(duplication, "_carried", carry)
    monkeypatch.setattr(
        duplication, "_components", lambda p, f: counts.update(worked=counts["worked"] + 1) or worked(p, f)
    )
    return counts


@pytest.mark.parametrize("seed", range(16))
def test_a_patched_index_has_the_clusters_a_new_one_has_carried_or_worked_out(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng, width = random.Random(seed), 12 if seed % 2 else len(SPARSE)
    facts = [_sparse(rng, f"A{k:03d}", width) for k in range(80)]
    facts = [
        _fact(f.id, f.party_list, sorted(f.technologies), [facts[k - 1].id], f.type or "PA")
        if k % 9 == 1
        else f
        for k, f in enumerate(facts)
    ]
    index = Pairing(facts)
    for flag in (False, True):
        duplication.components(index, flag)
    counts = _counting(monkeypatch)
    for _ in range(5):
        facts = _next(rng, facts, 0.06, width)
        index = index.patched(facts)
        for flag in (False, True):
            assert _clusters(index, flag) == _clusters(Pairing(facts), flag)
    assert counts["carried"] > 0  # the carry ran, not a new answer each time


#: Agreements that pair with nothing, so that a change of a few is patched in, not a new index.
FILLER = [_fact(f"Z{k:02d}", ["JPN", "NZL"], [f"Y{k}"]) for k in range(20)]


def _chain(*extra: Fact) -> list[Fact]:
    """A~B on X1, B~C on X2, C~D on X2 (A and C, A and D not pairs: X1 and X2 are unrelated), B~D on X2."""
    return sorted([*CHAIN.values(), *FILLER, *extra], key=lambda f: f.id)


CHAIN = {
    "A": _fact("A", ["USA", "GBR"], ["X1"]),
    "B": _fact("B", ["USA", "GBR", "AUS"], ["X1", "X2"]),
    "C": _fact("C", ["USA", "GBR", "AUS", "CAN"], ["X2"], kind="MOU"),
    "D": _fact("D", ["USA", "GBR", "AUS", "CAN", "NZL"], ["X2"]),
}


def _without(facts: list[Fact], id_: str, *instead: Fact) -> list[Fact]:
    """The facts with one agreement taken out (ended), or replaced."""
    return sorted([f for f in facts if f.id != id_] + list(instead), key=lambda f: f.id)


def _asked(index: Pairing) -> Pairing:
    """The index with both forms of its clusters worked out, as after a duplicate-clusters answer each."""
    for flag in (False, True):
        duplication.components(index, flag)
    return index


def test_a_retitled_agreement_keeps_its_cluster_without_working_the_clusters_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = _asked(Pairing(_chain()))
    counts = _counting(monkeypatch)
    b = CHAIN["B"]
    later = index.patched(_without(index.facts, "B", _fact("B", b.party_list, sorted(b.technologies))))
    assert later.dead
    assert _clusters(later, False) == [
        (["A", "B", "C", "D"], [("A", ["X1"]), ("B", ["X1", "X2"]), ("C", ["X2"]), ("D", ["X2"])])
    ]
    assert _clusters(later, True) == [(["A", "B", "D"], [("A", ["X1"]), ("B", ["X1", "X2"]), ("D", ["X2"])])]
    assert counts == {"carried": 2, "worked": 0}


def test_an_agreement_whose_partners_all_ended_leaves_its_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    # A paired with B alone: without B, A is in no cluster, and must not be reported with C and D.
    index = _asked(Pairing(_chain()))
    counts = _counting(monkeypatch)
    later = index.patched(_without(_chain(), "B"))
    assert _clusters(later, False) == [(["C", "D"], [("C", ["X2"]), ("D", ["X2"])])]
    assert _clusters(later, True) == []  # C is an MOU, D a PA
    assert counts == {"carried": 2, "worked": 0}


def test_an_agreement_that_held_a_cluster_together_ends_and_the_cluster_splits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A0 pairs with A and B: without B, A0 and A are one cluster, C and D another, not one of four.
    a0 = _fact("A0", ["USA"], ["X1"])
    index = _asked(Pairing(_chain(a0)))
    assert [ids for ids, _ in _clusters(index, False)] == [["A", "A0", "B", "C", "D"]]
    counts = _counting(monkeypatch)
    later = index.patched(_without(_chain(a0), "B"))
    assert [ids for ids, _ in _clusters(later, False)] == [["A", "A0"], ["C", "D"]]
    assert [ids for ids, _ in _clusters(later, True)] == [["A", "A0"]]  # D, a PA, lost its one PA partner
    assert counts == {"carried": 1, "worked": 1}  # the search found A apart from C: worked out again


def test_a_new_agreement_joins_two_clusters_and_one_changed_type_leaves_its_same_type_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    e, f = _fact("E", ["CAN", "NZL"], ["X3"]), _fact("F", ["CAN", "NZL", "JPN"], ["X3"])
    index = _asked(Pairing(_chain(e, f)))
    assert len(_clusters(index, False)) == 2
    counts = _counting(monkeypatch)
    g = _fact("G", ["USA", "GBR", "AUS", "CAN", "NZL", "JPN"], ["X1", "X3"])  # pairs with A, B, E, F
    b = CHAIN["B"]
    # B an MOU pairs by type with C alone, and D, a PA, with nothing: the same-type cluster A, B, D is gone
    b_mou = _fact("B", b.party_list, sorted(b.technologies), kind="MOU")
    later = index.patched(_without(_chain(e, f, g), "B", b_mou))
    assert [ids for ids, _ in _clusters(later, False)] == [["A", "B", "C", "D", "E", "F", "G"]]
    assert [ids for ids, _ in _clusters(later, True)] == [["A", "E", "F", "G"], ["B", "C"]]
    assert counts == {"carried": 2, "worked": 0}
    for flag in (False, True):
        assert _clusters(later, flag) == _clusters(Pairing(_without(_chain(e, f, g), "B", b_mou)), flag)


def test_two_agreements_ending_around_one_that_paired_with_them_alone_split_its_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # U0~U~G1~X~G2~V~V0, each pair on its own technology; G1 and G2 end, so X pairs with nothing and U
    # and V are no longer joined through it: two clusters.
    chain = [
        _fact("U0", ["USA"], ["X1"]),
        _fact("U", ["USA", "GBR"], ["X1"]),
        _fact("G1", ["USA", "GBR", "AUS"], ["X1", "X2"]),
        _fact("X", ["USA", "GBR", "AUS", "CAN"], ["X2", "X3"]),
        _fact("G2", ["USA", "GBR", "AUS", "CAN", "NZL"], ["X3", "X4"]),
        _fact("V", ["USA", "GBR", "AUS", "CAN", "NZL", "JPN"], ["X4"]),
        _fact("V0", ["JPN"], ["X4"]),
    ]
    index = _asked(Pairing(sorted([*chain, *FILLER], key=lambda f: f.id)))
    assert [ids for ids, _ in _clusters(index, False)] == [["G1", "G2", "U", "U0", "V", "V0", "X"]]
    counts = _counting(monkeypatch)
    later = index.patched(sorted([f for f in chain if f.id[0] != "G"] + FILLER, key=lambda f: f.id))
    assert [ids for ids, _ in _clusters(later, False)] == [["U", "U0"], ["V", "V0"]]
    assert counts["worked"] == 1


@pytest.mark.parametrize(("limit", "carried"), [(2, False), (3, True)])
def test_a_changed_agreement_with_too_many_partners_has_its_clusters_worked_out(
    monkeypatch: pytest.MonkeyPatch, limit: int, carried: bool
) -> None:
    index = _asked(Pairing(_chain()))
    monkeypatch.setattr(duplication, "TOUCHED_LIMIT", limit)  # B's old partners: A, C and D
    counts = _counting(monkeypatch)
    b = CHAIN["B"]
    later = index.patched(_without(index.facts, "B", _fact("B", b.party_list, sorted(b.technologies))))
    assert [ids for ids, _ in _clusters(later, False)] == [["A", "B", "C", "D"]]
    assert counts == {"carried": int(carried), "worked": int(not carried)}
