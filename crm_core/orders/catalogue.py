"""The product catalogue: SKU, name, price, currency, tax rate, active."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.money import to_money
from crm_core.orders.models import Product
from crm_core.orders.operations import OrderError


@dataclass(frozen=True)
class ProductDraft:
    sku: str
    name: str
    price: Decimal
    currency: str = "EUR"
    tax_rate: Decimal = Decimal("0")
    active: bool = True


def list_products(session: Session, active_only: bool = False) -> list[Product]:
    query = select(Product).order_by(Product.sku)
    if active_only:
        query = query.where(Product.active.is_(True))
    return list(session.scalars(query))


def find_product(session: Session, sku: str) -> Product | None:
    return session.scalars(select(Product).where(Product.sku == sku.strip())).first()


def create_product(session: Session, viewer: Viewer, draft: ProductDraft) -> Product:
    _check(viewer, draft)
    if find_product(session, draft.sku) is not None:
        raise OrderError(f"sku: a product with SKU {draft.sku.strip()!r} exists")
    product = Product(sku=draft.sku.strip())
    _apply(product, draft)
    session.add(product)
    session.flush()
    return product


def update_product(
    session: Session, viewer: Viewer, product_id: int, draft: ProductDraft
) -> Product:
    _check(viewer, draft)
    product = session.get(Product, product_id)
    if product is None:
        raise OrderError("product: no such product")
    other = find_product(session, draft.sku)
    if other is not None and other.id != product.id:
        raise OrderError(f"sku: a product with SKU {draft.sku.strip()!r} exists")
    product.sku = draft.sku.strip()
    _apply(product, draft)
    session.flush()
    return product


def _check(viewer: Viewer, draft: ProductDraft) -> None:
    if not viewer.may_write:
        raise OrderError("read-only users cannot change the catalogue")
    if not draft.sku.strip():
        raise OrderError("sku: every product has a SKU")
    if not draft.name.strip():
        raise OrderError("name: every product has a name")
    if draft.price < 0:
        raise OrderError("price: zero or more")
    if not Decimal(0) <= draft.tax_rate <= Decimal(100):
        raise OrderError("tax_rate: a percentage from 0 to 100")
    if len(draft.currency.strip()) != 3:
        raise OrderError("currency: a three-letter code such as EUR")


def _apply(product: Product, draft: ProductDraft) -> None:
    product.name = draft.name.strip()
    product.price = to_money(draft.price)
    product.currency = draft.currency.strip().upper()
    product.tax_rate = to_money(draft.tax_rate)
    product.active = draft.active
