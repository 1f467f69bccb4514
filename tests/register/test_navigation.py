"""The main menu on every page: its links, the current section, the FG's review queue."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ..conftest import client_for

pytestmark = pytest.mark.django_db

MENU = re.compile(r'<nav aria-label="Hoofdmenu">(.*?)</nav>', re.DOTALL)
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)')


def menu(user, url: str) -> list[tuple[str, bool, str]]:
    page = client_for(user).get(url).text
    return [
        (href, bool(current), label.strip())
        for href, current, label in LINK.findall(MENU.search(page).group(1))
    ]


def test_the_menu_links_every_section_and_marks_the_current_one(reader):
    links = menu(reader, reverse("suppliers:product_list"))
    assert [label for _href, _current, label in links] == [
        "Dashboard",
        "Leveranciers",
        "Producten",
        "Overeenkomsten",
        "Verwerkingsregister",
        "Inkoopcheck",
        "Niveau",
    ]
    assert [label for _href, current, label in links if current] == ["Producten"]
    assert ("/leveranciers/", False, "Leveranciers") in links


def test_the_dashboard_is_current_only_on_the_dashboard(reader):
    assert [label for _h, current, label in menu(reader, "/") if current] == ["Dashboard"]
    on_level = menu(reader, reverse("register:level"))
    assert [label for _h, current, label in on_level if current] == ["Niveau"]


def test_the_fg_has_the_review_queue_in_the_menu_and_others_do_not(fg, reader):
    queue = reverse("agreements:review_queue")
    fg_links = menu(fg, queue)
    assert (queue, True, "Ter beoordeling") in fg_links
    assert [label for _h, current, label in fg_links if current] == ["Ter beoordeling"]
    assert queue not in [href for href, _c, _l in menu(reader, "/")]
