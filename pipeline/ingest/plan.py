"""Which sources a crawl puts in which worker process: every source of one host in the same one.

Sources that share a host (the 14 Legistar clients share ``webapi.legistar.com``) form one
*group*; groups are joined through any host two sources share. A group never spans two worker
processes, so its sources wait on each other inside one process (one after another, the host
gate keeping the delay) instead of across processes. Groups are spread over at most ``workers``
bins, biggest first, each to the bin with the fewest sources so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pipeline.models import Source


@dataclass
class Bin:
    """The sources one worker process crawls, with the hosts each is known to use."""

    sources: list[Source] = field(default_factory=list)
    hosts: dict[str, frozenset[str]] = field(default_factory=dict)


def host_keys(source: Source, known_hosts: Callable[[Source], Iterable[str]]) -> frozenset[str]:
    """The hosts `source` is known to request; a per-tenant key when the config names none."""
    hosts = frozenset(h.lower() for h in known_hosts(source) if h)
    return hosts or frozenset({f"{source.platform}:{source.slug or source.id}"})


def group_by_host(
    sources: list[Source], known_hosts: Callable[[Source], Iterable[str]]
) -> tuple[list[list[Source]], dict[str, frozenset[str]]]:
    """Sources joined by shared hosts (union-find), each group in config order; and each's hosts."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    hosts = {s.id: host_keys(s, known_hosts) for s in sources}
    for source in sources:
        first, *rest = sorted(hosts[source.id])
        for other in rest:
            parent[find(other)] = find(first)
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(find(min(hosts[source.id])), []).append(source)
    return list(groups.values()), hosts


def plan_bins(
    sources: list[Source], workers: int, known_hosts: Callable[[Source], Iterable[str]]
) -> list[Bin]:
    """Split `sources` over at most `workers` bins; sources sharing a host share a bin."""
    groups, hosts = group_by_host(sources, known_hosts)
    bins = [Bin() for _ in range(max(1, min(workers, len(groups))))]
    for group in sorted(groups, key=len, reverse=True):
        target = min(bins, key=lambda b: len(b.sources))
        target.sources.extend(group)
        target.hosts.update({s.id: hosts[s.id] for s in group})
    return [b for b in bins if b.sources]
