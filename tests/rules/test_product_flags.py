"""A product's own flags (its page, the procurement PDF) are read for that product alone and
are exactly the register's flags whose subject is that product."""

import pytest

from bench.generate import generate_register
from register.demo import load_demo
from register.rules import cache
from register.rules.flags import compute_flags, flags_for_product
from register.rules.verdict import verdict_and_flags_for, verdict_for
from suppliers.models import LifecycleStatus, Product, ProductRow

from ..conftest import make_product

pytestmark = pytest.mark.django_db


def _as_rows(flags):
    return [f.as_json() for f in flags]


@pytest.mark.parametrize("register", ["demo", "generated"])
def test_a_products_own_flags_are_the_registers_flags_about_that_product(register):
    if register == "demo":
        load_demo()
    else:
        generate_register(scale=0.01, seed=2)
    everything = compute_flags()
    for product in Product.objects.select_related("supplier").order_by("pk"):
        own = [f for f in everything if f.product == product]
        assert _as_rows(flags_for_product(product)) == _as_rows(own), product.name


def test_the_verdict_pdfs_single_read_gives_the_same_verdict_and_flags():
    load_demo()
    for product in Product.objects.select_related("supplier").order_by("pk"):
        verdict, flags = verdict_and_flags_for(product.name, product.supplier.name)
        assert verdict == verdict_for(product.name, product.supplier.name)
        assert verdict.product == product
        assert _as_rows(flags) == _as_rows(flags_for_product(product))
    unknown, none = verdict_and_flags_for("Bestaat niet")
    assert unknown.verdict == "unknown" and none == []


@pytest.mark.parametrize("read", ["whole register", "the product alone"])
def test_a_flags_product_is_the_product_with_its_name_link_and_scope(
    read, django_assert_num_queries
):
    """The rules read products as rows (docs/performance.md): a flag's product still equals
    the product, reads the same and links to its page, whichever way it was read."""
    product = make_product("Rekenmeester")
    retired = make_product("Taalmaatje", status=LifecycleStatus.RETIRED)
    if read == "whole register":
        flags = compute_flags()
    else:
        cache.forget()
        flags = flags_for_product(product)
    flag = next(f for f in flags if f.code == "no_agreement")
    row = flag.product
    assert isinstance(row, ProductRow)
    assert row == product and product == row and {row} == {product} and row != retired
    assert str(row) == str(product) == f"{product.supplier.name} / Rekenmeester"
    assert row.get_absolute_url() == product.get_absolute_url()
    assert row.is_in_scope and flag.supplier == product.supplier
    # A field the rules do not read is an error, never a query per flag.
    with django_assert_num_queries(0), pytest.raises(AttributeError):
        row.description  # noqa: B018
    # The retired product is read too, and out of scope: no flags.
    assert {f.product.name for f in compute_flags() if f.product} == {"Rekenmeester"}
