"""Parts of pages kept until the register changes (suppliers/kept.py)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from suppliers import kept

from ..conftest import make_product

pytestmark = pytest.mark.django_db


class Renders:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> dict[str, str]:
        self.count += 1
        return {"part": f"<p>render {self.count}</p>"}


def get(query: str = ""):
    return RequestFactory().get(f"/lijst/{query}")


def test_a_part_is_rendered_once_per_revision_and_query_string():
    renders = Renders()
    assert kept.kept_parts("lijst", get(), renders) == {"part": "<p>render 1</p>"}
    assert kept.kept_parts("lijst", get(), renders) == {"part": "<p>render 1</p>"}
    assert kept.kept_parts("lijst", get("?page=2"), renders)["part"] == "<p>render 2</p>"
    assert kept.kept_parts("ander", get(), renders)["part"] == "<p>render 3</p>"
    assert kept.kept_parts("lijst", get(), renders, vary=(90,))["part"] == "<p>render 4</p>"
    make_product()  # a write to the register
    assert kept.kept_parts("lijst", get(), renders)["part"] == "<p>render 5</p>"


def test_nothing_is_kept_when_the_revision_is_unknown(monkeypatch):
    monkeypatch.setattr(kept, "_revision", [lambda: None])
    renders = Renders()
    kept.kept_parts("lijst", get(), renders)
    kept.kept_parts("lijst", get(), renders)
    assert renders.count == 2
