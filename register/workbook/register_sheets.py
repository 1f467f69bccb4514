"""The import of the register's own sheets: Organisatie, Scholen and Verwerkingen."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ..models import Organisation, ProcessingActivity, School
from .reading import RowReader, SheetRows
from .saving import SheetImport
from .sheets import ACTIVITIES, ORGANISATION, SCHOOLS


class OrganisationImport(SheetImport):
    """The controller and its FG (Art. 30(1)(a)): exactly one row."""

    spec = ORGANISATION

    def run(self, sheet: SheetRows) -> None:
        for index, reader in enumerate(sheet.readers(self.errors)):
            if index > 0:
                reader.error(
                    _("het tabblad Organisatie heeft precies één rij; verwijder deze rij.")
                )
                continue
            self.row(reader, reader.parse())

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        organisation = self.known.organisation or Organisation()
        self.records.save(reader, organisation, reader.assigned(values), values["name"])


class SchoolsImport(SheetImport):
    spec = SCHOOLS

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        brin, name = values["brin"], values["name"]
        if brin and self.duplicate(reader, brin, f"BRIN {brin}"):
            return
        school = self.known.schools.get(brin) or School(brin=brin)
        if self.records.save(reader, school, reader.assigned(values), f"{name} ({brin})"):
            self.known.schools[brin] = school
        elif brin:
            self.known.failed_keys["Scholen"].add(brin)


class ActivitiesImport(SheetImport):
    """The processing register (Art. 30(1)); an incomplete activity imports and is flagged."""

    spec = ACTIVITIES

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        name = values["name"]
        products = self.known.product_list(reader, values["products"])
        if not name or self.duplicate(reader, name.lower(), name):
            return
        activity = self.known.activities.get(name.lower()) or ProcessingActivity(name=name)
        m2m = {"products": products} if reader.has("Producten") else None
        if self.records.save(reader, activity, reader.assigned(values), name, m2m=m2m):
            self.known.activities[name.lower()] = activity
