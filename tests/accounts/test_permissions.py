"""A user's permissions: those of their groups and their own, read in one query per request
(accounts/backends.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ..conftest import client_for, make_user

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions kept from before


def test_a_reader_has_the_permissions_of_the_group_and_not_those_of_others(reader):
    reader = fresh(reader)
    assert reader.has_perm("suppliers.view_product")
    assert not reader.has_perm("agreements.change_agreement")


def test_a_permission_given_to_the_user_counts_beside_the_group(reader):
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="agreements", codename="change_agreement")
    )
    reader = fresh(reader)
    assert reader.has_perm("agreements.change_agreement")
    assert reader.has_perm("suppliers.view_product")


def test_a_user_without_group_has_no_permission():
    assert fresh(make_user("nieuw")).get_all_permissions() == set()


def test_an_inactive_user_has_no_permission(reader):
    reader.is_active = False
    reader.save()
    assert not fresh(reader).has_perm("suppliers.view_product")


def test_a_page_reads_the_permissions_in_one_query(reader):
    client = client_for(reader)
    client.get(reverse("suppliers:supplier_list"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("suppliers:supplier_list")).status_code == 200
    reading = [q for q in captured.captured_queries if '"auth_permission"' in q["sql"]]
    assert len(reading) == 1
