import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def test_the_four_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "fg",
        "privacy_officer",
        "procurement",
        "reader",
    }


def test_only_the_fg_may_decide(fg, privacy_officer, procurement, reader):
    assert fg.has_perm("agreements.review_agreement")
    for user in (privacy_officer, procurement, reader):
        assert not user.has_perm("agreements.review_agreement")


def test_the_fg_never_edits_agreement_content(fg):
    assert fg.has_perm("agreements.view_agreement")
    assert not fg.has_perm("agreements.change_agreement")


def test_the_privacy_officer_keeps_the_register(privacy_officer):
    for perm in (
        "suppliers.add_supplier",
        "suppliers.change_product",
        "suppliers.add_dataflow",
        "agreements.change_agreement",
        "agreements.add_document",
        "agreements.submit_agreement",
        "register.change_processingactivity",
        "register.import_workbook",
    ):
        assert privacy_officer.has_perm(perm), perm
    assert not privacy_officer.has_perm("agreements.delete_agreement")


def test_procurement_may_file_an_intake_but_not_edit(procurement):
    assert procurement.has_perm("suppliers.file_intake")
    assert not procurement.has_perm("suppliers.change_product")


def test_readers_read_and_export_only(reader):
    assert reader.has_perm("register.view_processingactivity")
    assert reader.has_perm("register.export_register")
    assert not reader.has_perm("suppliers.add_supplier")
    assert not reader.has_perm("register.import_workbook")
