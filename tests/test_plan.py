"""The crawl plan: sources that share a host (even through a third source) share a worker."""

from __future__ import annotations

from pipeline.config import load_sources
from pipeline.ingest.batch import known_hosts
from pipeline.ingest.plan import group_by_host, plan_bins
from pipeline.models import Source
from tests.conftest import ROOT

HOSTS = {
    "a": {"h1.example", "h2.example"},
    "b": {"H2.example", "h3.example"},  # shares h2 with a (case does not matter)
    "c": {"h4.example"},
    "d": {"h5.example"},
    "e": {"h5.example"},
    "f": set(),  # nothing known: its own tenant key
    "g": set(),
}


def _source(sid: str, slug: str = "x") -> Source:
    return Source.model_validate(
        {"id": sid, "name": sid, "jurisdiction": "J", "platform": "civicclerk", "slug": slug}
    )


def _hosts(source: Source) -> set[str]:
    return HOSTS[source.id]


def test_groups_join_through_shared_hosts() -> None:
    sources = [_source(s, slug=s) for s in "abcdefg"]
    groups, hosts = group_by_host(sources, _hosts)
    assert sorted(sorted(s.id for s in g) for g in groups) == [
        ["a", "b"],
        ["c"],
        ["d", "e"],
        ["f"],
        ["g"],
    ]
    assert hosts["b"] == {"h2.example", "h3.example"}
    assert hosts["f"] == {"civicclerk:f"}


def test_tenants_without_known_hosts_group_by_platform_and_slug() -> None:
    sources = [_source("f", slug="same"), _source("g", slug="same")]
    groups, _ = group_by_host(sources, _hosts)
    assert [[s.id for s in g] for g in groups] == [["f", "g"]]


def test_bins_balance_groups_and_never_split_one() -> None:
    sources = [_source(s, slug=s) for s in "abcde"]
    bins = plan_bins(sources, 2, _hosts)
    assert [[s.id for s in b.sources] for b in bins] == [["a", "b", "c"], ["d", "e"]]
    assert len(plan_bins(sources, 16, _hosts)) == 3  # never more bins than groups
    assert len(plan_bins(sources[:1], 4, _hosts)) == 1


def test_the_configured_legistar_api_clients_share_one_worker() -> None:
    sources = load_sources(ROOT / "config" / "sources.yaml")
    bins = plan_bins(sources, 2, known_hosts)
    assert len(bins) == 2 and sum(len(b.sources) for b in bins) == len(sources)
    api = {
        s.id
        for s in sources
        if s.platform == "legistar" and s.options.get("mode", "api") == "api" and not s.api_url
    }
    assert len(api) >= 10
    [holder] = [b for b in bins if api & {s.id for s in b.sources}]
    assert api <= {s.id for s in holder.sources}
    assert all("webapi.legistar.com" in holder.hosts[sid] for sid in api)
    # lake_county reads the web calendar (mode: web): it does not need the API's slot.
    assert "webapi.legistar.com" not in known_hosts(
        next(s for s in sources if s.id == "lake_county")
    )
