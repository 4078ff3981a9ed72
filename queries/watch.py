"""Saved questions, asked again after every ingest, that say what changed in their answers.

A watch is an analysis with its parameters (rows that appear or disappear), a disclosure pair (its
verdict before and after), or one entity (each field before and after). Parameters are kept as given,
so a watch without `as_of` asks about the day it is checked. Watches belong to the API key that made
them; without keys there is one shared list ("local"). They live in one JSON file beside the data
(STKG_WATCHES_FILE), written whole and atomically under a lock, so two processes never lose a change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graph.connection import Graph
from graph.errors import NotFoundError, ParameterError, StkgError
from graph.values import plain
from ingest.export import own_source

#: The owner of watches made without an API key (a desktop user's one list).
LOCAL = "local"
#: The analysis name of a watch on one entity (its params: kind and key).
ENTITY = "entity"
#: The fields of a single answer a watch compares (the rest is explanation that may be reworded).
SINGLE_FIELDS = {
    "disclosure-trace": ("verdict", "headline"),
    "predraft-check": ("overlapping_agreements", "candidate_frameworks", "exclusion_warnings", "disclosure"),
}
#: Fields of an entity answer that describe the date asked, not the entity.
ENTITY_SKIP = frozenset({"as_of"})
_lock = threading.Lock()


@dataclass
class Watch:
    """One saved question, its last answer and what changed at each check."""

    id: str
    owner: str
    name: str
    analysis: str
    params: dict[str, str]
    created: str
    answer: Any = None
    checked: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    seen: str = ""
    restricted: bool = False  # its owner may not see restrictions and exemptions: they are left out

    def pending(self) -> list[dict[str, Any]]:
        """The changes found since the owner last looked (on the web page)."""
        return [c for c in self.changes if c["at"] > self.seen]

    def unreported(self) -> list[dict[str, Any]]:
        """The changes `stkg watch check` has not printed yet (some found by the re-check after an ingest)."""
        return [c for c in self.changes if not c.get("reported")]

    def describe(self) -> str:
        """The question in words: analysis and parameters."""
        given = " ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.analysis} {given}".strip()


def _now() -> str:
    """Timestamps sort as text (UTC, microseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class Store:
    """The watches file: read, changed and written back whole under an exclusive lock."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> list[Watch]:
        """Every watch (a missing file is an empty list)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [Watch(**w) for w in data["watches"]]

    @contextlib.contextmanager
    def editing(self) -> Iterator[list[Watch]]:
        """The watches to change in place; written back atomically when the block ends without error."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, open(self.path.with_suffix(".lock"), "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            watches = self.all()
            yield watches
            self._write(watches)

    def _write(self, watches: list[Watch]) -> None:
        """Replace the file in one rename, so a reader sees the old list or the new one."""
        text = json.dumps({"watches": [asdict(w) for w in watches]}, indent=1, default=str)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".watches-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, self.path)


def answer_of(graph: Graph, name: str, params: dict[str, str], restricted: bool = False) -> Any:
    """A watch's comparable answer: sorted row texts, or the compared fields of a single answer."""
    from queries import entity, timeline
    from queries.analysis import analysis

    if name == ENTITY:
        found = entity.detail(graph, params.get("kind", ""), params.get("key", ""), params.get("as_of"))
        if "source" in found:  # where its row sat in the file is not a change of the entity
            found["source"] = own_source(found["source"]) or None
        return {k: plain(v) for k, v in found.items() if k not in ENTITY_SKIP}
    a = analysis(name)
    result = a.run(graph, dict(params))
    if isinstance(result, dict):
        return {k: plain(result.get(k)) for k in SINGLE_FIELDS.get(name, tuple(result))}
    if restricted and name == "portfolio-changes":
        result = timeline.public(result)
    return sorted(json.dumps(plain(r), sort_keys=True, default=str) for r in result)


def compare(before: Any, after: Any) -> dict[str, Any] | None:
    """What differs between two answers (None when nothing does)."""
    if isinstance(before, list) and isinstance(after, list):
        old, new = set(before), set(after)
        if old == new:
            return None
        return {"appeared": sorted(new - old), "disappeared": sorted(old - new)}
    before, after = before or {}, after or {}
    fields = [
        {"field": k, "before": before.get(k), "after": after.get(k)}
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]
    return {"fields": fields} if fields else None


def add(
    graph: Graph,
    store: Store,
    owner: str,
    name: str,
    analysis: str,
    params: dict[str, str],
    restricted: bool = False,
) -> Watch:
    """Save a question with its answer now; the name must be new for this owner."""
    name = name.strip()
    if not name:
        raise ParameterError("a watch needs a name", field="name")
    answer = answer_of(graph, analysis, params, restricted)  # unknown analyses, bad parameters: refused
    with store.editing() as watches:
        if any(w.owner == owner and w.name == name for w in watches):
            raise ParameterError(f"there is already a watch named {name!r}", field="name")
        number = max((int(w.id[1:]) for w in watches), default=0) + 1
        now = _now()
        found = Watch(f"w{number}", owner, name, analysis, dict(params), now, answer, now, seen=now)
        found.restricted = restricted
        watches.append(found)
    return found


def remove(store: Store, owner: str, which: str) -> Watch:
    """Delete one of the owner's watches, by id or name."""
    with store.editing() as watches:
        found = _find(watches, owner, which)
        watches.remove(found)
    return found


def _find(watches: list[Watch], owner: str, which: str) -> Watch:
    """The owner's watch with this id or name."""
    import difflib

    mine = [w for w in watches if w.owner == owner]
    for w in mine:
        if which in (w.id, w.name):
            return w
    names = [w.name for w in mine] + [w.id for w in mine]
    raise NotFoundError(f"no watch {which!r}", difflib.get_close_matches(which, names))


def mine(store: Store, owner: str) -> list[Watch]:
    """The owner's watches, oldest first."""
    return [w for w in store.all() if w.owner == owner]


def check(
    graph: Graph, store: Store, owner: str | None = None, report: bool = False
) -> list[tuple[Watch, list[dict[str, Any]]]]:
    """Ask every watch (of one owner, or all) again and store the new answers.

    Returns each watch with the changes this check found; with `report`, with every change not yet
    reported (those the re-check after an ingest found too), which then count as reported. A question
    that can no longer be answered (an entity removed, a name that no longer resolves) is a change too,
    with the error, never skipped."""
    found = []
    with store.editing() as watches:
        for w in watches:
            if owner is not None and w.owner != owner:
                continue
            change = _recheck(graph, w)
            news = w.unreported() if report else [change] if change else []
            for c in news if report else ():
                c["reported"] = True
            if news:
                found.append((w, news))
    return found


def after_ingest(graph: Graph, store: Store) -> int:
    """The re-check after an ingest: how many watches changed (their changes wait to be reported)."""
    if not store.path.exists():
        return 0
    return len(check(graph, store))


def _recheck(graph: Graph, w: Watch) -> dict[str, Any] | None:
    """One watch asked again: its change (stored on it) or None."""
    now = _now()
    try:
        answer = answer_of(graph, w.analysis, w.params, w.restricted)
        change = compare(w.answer, answer)
    except StkgError as exc:
        answer, change = w.answer, {"error": str(exc)}
        if w.changes and w.changes[-1].get("error") == str(exc):
            change = None  # the same failure again is not news
    w.checked = now
    if change is None:
        return None
    w.answer = answer
    change = {"at": now} | change
    w.changes.append(change)
    return change


def seen(store: Store, owner: str) -> None:
    """The owner has looked at every change so far."""
    with store.editing() as watches:
        now = _now()
        for w in watches:
            if w.owner == owner:
                w.seen = now


def summary(change: dict[str, Any]) -> list[str]:
    """A change in lines a person reads: a row that changed as `~` with what differs, rows that only
    appeared or disappeared with + and -, fields with before -> after."""
    if "error" in change:
        return [f"  ! no longer answerable: {change['error']}"]
    new = [json.loads(r) for r in change.get("appeared", [])]
    old = [json.loads(r) for r in change.get("disappeared", [])]
    lines = []
    for before, after in _pairs(old, new):
        lines.append(f"  ~ {_differences(before, after)}")
    lines += [f"  + {_short(_flat(r))}" for r in new]
    lines += [f"  - {_short(_flat(r))}" for r in old]
    lines += [
        f"  {f['field']}: {_short(f['before'])} -> {_short(f['after'])}" for f in change.get("fields", [])
    ]
    return lines


def _atoms(row: dict[str, Any]) -> set[tuple[str, str]]:
    """A row's values as (field, value) pairs, one per list item, for likeness."""
    out = set()
    for k, v in row.items():
        for item in v if isinstance(v, list) else [v]:
            out.add((k, json.dumps(item, sort_keys=True, default=str)))
    return out


def _pairs(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Disappeared and appeared rows that are one row changed (at least half alike), taken out of both
    lists: a cluster that lost one of twelve agreements reads as that, not as two rows of twelve."""
    scored = []
    for i, a in enumerate(old):
        for j, b in enumerate(new):
            x, y = _atoms(a), _atoms(b)
            scored.append((len(x & y) / max(len(x | y), 1), i, j))
    used_old, used_new, pairs = set(), set(), []
    for score, i, j in sorted(scored, reverse=True):
        if score >= 0.5 and i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((old[i], new[j]))
    old[:] = [r for i, r in enumerate(old) if i not in used_old]
    new[:] = [r for j, r in enumerate(new) if j not in used_new]
    return pairs


def _differences(before: dict[str, Any], after: dict[str, Any]) -> str:
    """What differs in one row: list items added and removed, other values before -> after."""
    parts = []
    for k in after:
        a, b = before.get(k), after[k]
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            gained = [x for x in b if x not in a]
            lost = [x for x in a if x not in b]
            text = " ".join([*(f"+{x}" for x in gained), *(f"-{x}" for x in lost)])
            parts.append(f"{k} {text}")
        else:
            parts.append(f"{k} {_short(a, 60)} -> {_short(b, 60)}")
    same = next(((k, v) for k, v in after.items() if not isinstance(v, list) and before.get(k) == v), None)
    head = f"{same[0]}={_short(same[1], 60)}: " if same else ""
    return _short(head + "; ".join(parts), 400)


def _flat(row: dict[str, Any]) -> str:
    """A row as `field=value, ...`."""
    return ", ".join(f"{k}={v}" for k, v in row.items())


def _short(value: Any, width: int = 200) -> str:
    """A value cut to one readable line."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
