"""Groups of things found to belong together (near-duplicates, the same story in several
languages): one union-find for the stages and the jobs.

A library would do (``scipy.cluster.hierarchy.DisjointSet``, ``networkx.utils.UnionFind``),
but importing either costs about 0.3 s, more than all the grouping of a run; this is the
textbook structure (path halving, union by attaching the second root to the first).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T", bound=Hashable)


class UnionFind(Generic[T]):
    """Disjoint sets of hashable members, remembering the order members were first seen."""

    def __init__(self, members: Iterable[T] = ()) -> None:
        self.parent: dict[T, T] = {}
        for member in members:
            self.add(member)

    def add(self, member: T) -> None:
        self.parent.setdefault(member, member)

    def find(self, member: T) -> T:
        """The representative of ``member``'s set (``member`` is added when new)."""
        parent = self.parent
        root = parent.setdefault(member, member)
        while parent[root] != root:
            parent[root] = parent[parent[root]]
            root = parent[root]
        return root

    def union(self, first: T, second: T) -> None:
        root_first, root_second = self.find(first), self.find(second)
        if root_first != root_second:
            self.parent[root_second] = root_first

    def groups(self) -> list[list[T]]:
        """Every set, members in first-seen order, sets in the order of their first member."""
        members: dict[T, list[T]] = {}
        for member in self.parent:
            members.setdefault(self.find(member), []).append(member)
        return list(members.values())


def merge_groups(groups: Iterable[Sequence[T]]) -> list[list[T]]:
    """The union of overlapping groups (the same agency story in two outlets, and its
    translation in a third, make one); only groups of two or more are returned, in the order
    their first member was seen."""
    sets: UnionFind[T] = UnionFind()
    for group in groups:
        for member in group:
            sets.union(group[0], member)
    return [group for group in sets.groups() if len(group) > 1]


__all__ = ["UnionFind", "merge_groups"]
