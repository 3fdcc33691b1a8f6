"""Imported email addresses are the customer's identities, but confirm nothing for a chat
visitor or portal contact who types them: that rule of crm_core.confirmations holds."""

from __future__ import annotations

from pathlib import Path

from crm_core.confirmations import confirm_email, open_unverified_contact, start_confirmation
from crm_core.customers import IdentityKind, find_identity
from crm_core.importing import IMPORT_KINDS, ImportOptions, run_import


def test_a_typed_imported_address_links_only_once_confirmed(uow_factory, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name,Email\nMaria Rossi,maria@acme.example\n", encoding="utf-8")
    run_import(uow_factory, IMPORT_KINDS["customers"], path, ImportOptions())
    with uow_factory() as uow:
        owner = find_identity(uow.session, IdentityKind.EMAIL, "maria@acme.example")
        assert owner is not None
        visitor = open_unverified_contact(uow.session, "Maria?")
        confirmation, new = start_confirmation(uow.session, visitor, "MARIA@acme.example")
        assert new and visitor.id != owner.customer_id
        assert visitor.identities == []  # sees nothing of the customer's history yet
        confirmed = confirm_email(uow.session, confirmation)
        assert confirmed.customer.id == owner.customer_id
        assert confirmed.merged_contact_id == visitor.id
