import pytest
from django.urls import reverse

from suppliers.models import Supplier

from ..conftest import client_for

pytestmark = pytest.mark.django_db


def test_history_records_the_acting_user(admin_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:suppliers_supplier_add"),
        {
            "name": "Uitgeverij Test",
            "convenant": "geen",
            "products-TOTAL_FORMS": "0",
            "products-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    supplier = Supplier.objects.get(name="Uitgeverij Test")
    record = supplier.history.get()
    assert record.history_user == admin_user
    assert record.history_type == "+"
