"""Reading `/metrics` in tests: every sample and each family's type."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families


@dataclass
class Scrape:
    """One read of `/metrics`: every sample, and each family's type."""

    samples: list[tuple[str, dict[str, str], float]]
    types: dict[str, str]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` whose labels include `labels` (0 when absent)."""
        for sample_name, sample_labels, value in self.samples:
            if sample_name == name and labels.items() <= sample_labels.items():
                return value
        return 0.0

    def label_values(self, name: str, label: str) -> set[str]:
        return {labels[label] for n, labels, _ in self.samples if n == name and label in labels}


def parse(text: str) -> Scrape:
    result = Scrape([], {})
    for family in text_string_to_metric_families(text):
        result.types[family.name] = family.type
        result.samples += [(s.name, dict(s.labels), s.value) for s in family.samples]
    return result


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)
