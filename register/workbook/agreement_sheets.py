"""The import of the agreements' sheets: Overeenkomsten, Bijsluiters, Subverwerkers and
Documenten."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.models import (
    ISO_COUNTRIES,
    STATUS_TRANSITIONS,
    Agreement,
    AgreementStatus,
    Decision,
    Document,
    DocumentKind,
    InvalidLocation,
    PrivacyNotice,
    Review,
    Subprocessor,
    locations_as_stored,
    parse_locations,
    pdf_file_name,
    subprocessor_label,
)
from agreements.services import validate_pdf

from ..bulk import chunks
from .lookups import subprocessor_key
from .reading import RowReader, as_read_back
from .result import Change
from .saving import SheetImport
from .sheets import (
    AGREEMENTS,
    DOCUMENTS,
    KEEP,
    NOTICES,
    SUBPROCESSORS,
    local_date,
    reviewer_name,
)

# A review imported with "Akkoord actueel = nee" stores this instead of a content
# fingerprint. It is not a hex sha256, so it can never equal `content_fingerprint()`: the
# approval stays "changed since approval" and `approval_outdated` survives a round trip.
OUTDATED_FINGERPRINT = "import:akkoord-niet-actueel"

IMPORTED_REVIEW_COMMENT = "Besluit overgenomen uit een bestaande werkmap (import)."


def _same_decision(review: Review, decision: str, decided_on: datetime.date) -> bool:
    return review.decision == decision and local_date(review.decided_at) == decided_on


class AgreementsImport(SheetImport):
    """Agreements by Kenmerk. The import moves an existing register in: a new agreement
    comes in with its status and its FG decision (an imported review); an agreement already
    in the register follows the review workflow (`check_workflow`)."""

    spec = AGREEMENTS

    def __init__(self, importer) -> None:
        super().__init__(importer)
        self.pending_reviews: list[dict] = []
        # Approved agreements whose approval held and that the workbook moves to submitted.
        self.resubmitted: list[tuple[RowReader, int]] = []

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        reference, supplier_name = values["reference"], values["supplier"]
        status = None if values["status"] is KEEP else values["status"]
        decided_on, reviewer = values["decided_on"], values["reviewer"]
        starts_on, ends_on = values["starts_on"], values["ends_on"]
        decision = values["decision"] or None
        attributes = self.known.attribute_list(reader, values["attributes"], "Attributen")
        if starts_on and ends_on and ends_on < starts_on:
            reader.error(
                _("de Einddatum (%(end)s) ligt vóór de Ingangsdatum (%(start)s).")
                % {"end": ends_on.isoformat(), "start": starts_on.isoformat()}
            )
        if decision is None and status in Decision.values:
            decision = status
        if status in Decision.values and decision != status:
            # The status that is a decision is the latest decision: they cannot differ.
            reader.error(
                _(
                    "de status is %(status)s, maar “Besluit FG” is %(decision)s; bij een status "
                    "die een besluit is, is dat het laatste besluit van de FG. Maak ze gelijk."
                )
                % {
                    "status": AgreementStatus(status).label.lower(),
                    "decision": Decision(decision).label.lower(),
                }
            )
        elif status in Decision.values and not (decided_on and reviewer):
            reader.error(
                _(
                    "bij status %(status)s horen “FG-besluit op” en “FG”; vul de datum van "
                    "het besluit en de naam van de FG in."
                )
                % {"status": AgreementStatus(status).label.lower()}
            )
        elif bool(decided_on) != bool(reviewer) and not reader.failed:
            reader.error(_("vul zowel “FG-besluit op” als “FG” in, of laat beide leeg."))
        elif decided_on and decision is None and status:
            reader.error(
                _(
                    "“FG-besluit op” en “FG” zijn ingevuld, maar het besluit is onbekend; vul "
                    "“Besluit FG” in (goedgekeurd, afgekeurd of aanpassing gevraagd)."
                )
            )
        if reference and self.duplicate(reader, reference.lower(), f"Kenmerk {reference}"):
            return
        if reference and reference not in self.known.agreements:
            same = self.known.agreement_ci(reference)
            if same is not None:
                # Two agreements whose references differ only in case are one agreement typed
                # twice, as for every other key.
                reader.error(
                    _(
                        "Kenmerk %(reference)s verschilt alleen in hoofdletters van %(existing)s "
                        "in het register; neem het kenmerk precies over."
                    )
                    % {"reference": reference, "existing": same.reference}
                )
                self.known.failed_keys["Overeenkomsten"].add(reference)
                return
        supplier = self.known.supplier(reader, supplier_name) if supplier_name else None
        products = self.known.product_list(reader, values["products"], supplier_name)
        if supplier is not None:
            self.check_suppliers(reader, supplier, products)
        if not reference or supplier is None:
            self.known.failed_keys["Overeenkomsten"].add(reference)
            return
        agreement = self.known.agreements.get(reference)
        created = agreement is None
        if created:
            # A new agreement starts in the status the workbook gives it: no move, no review
            # workflow (the FG's decision comes in as an imported review below).
            agreement = Agreement(reference=reference, supplier=supplier)
            if status:
                agreement.status = status
            if status == AgreementStatus.SUBMITTED:
                # Its submitter may not decide on it (AVG art. 38).
                agreement.submitted_by = self.importer.user
                agreement.submitted_at = timezone.now()
            if status in Decision.values or (decision and decided_on and reviewer):
                self.check_may_record_decision(reader, reference, decision or status)
        else:
            self.check_workflow(
                reader,
                agreement,
                status=status,
                reason=values["status_reason"],
                decision=decision,
                decided_on=decided_on,
                values=values,
            )
        assigned = reader.assigned(values)
        assigned.pop("status", None)
        assigned["supplier"] = supplier
        m2m = {"products": products}
        if reader.has("Attributen"):
            m2m["attributes"] = attributes
        saved = self.records.save(
            reader,
            agreement,
            assigned,
            reference,
            m2m=m2m,
            status=None if created else status,
        )
        if not saved:
            self.known.failed_keys["Overeenkomsten"].add(reference)
            return
        self.known.agreements[reference] = agreement
        if not reader.skipped:  # a row left alone keeps the products the register has
            self.known.covered[reference] = {product.pk for product in products}
        if decision and decided_on and reviewer:
            self.pending_reviews.append(
                {
                    "reader": reader,
                    "agreement": agreement,
                    "decision": decision,
                    "decided_on": decided_on,
                    "reviewer": reviewer,
                    "comment": values["comment"] or IMPORTED_REVIEW_COMMENT,
                    "current": values["current"] is not False,
                }
            )

    def refuse_withdrawn_approvals(self) -> None:
        if not self.resubmitted:
            return
        ids = [pk for _reader, pk in self.resubmitted]
        now = {a.pk: a for a in Agreement.objects.filter(pk__in=ids).with_fingerprint_content()}
        for reader, pk in self.resubmitted:
            agreement = now[pk]
            review = agreement.approving_review()
            if (
                agreement.status == AgreementStatus.SUBMITTED  # moved (not left alone as newer)
                and review is not None
                and review.fingerprint == agreement.content_fingerprint()
            ):
                reader.error(
                    _(
                        "de FG heeft %(reference)s goedgekeurd en de werkmap wijzigt de inhoud "
                        "niet: opnieuw indienen zou dat geldige akkoord intrekken. Neem de "
                        "status “goedgekeurd” over."
                    )
                    % {"reference": agreement.reference}
                )

    def warn_if_decision_edited(
        self, reader: RowReader, agreement: Agreement, review: Review, values: dict
    ) -> None:
        """A decision in the register stays as the FG made it: an edited “FG”, “Toelichting
        FG” or “Akkoord actueel” is not read, and the preview says so."""
        edited = []
        if values["reviewer"] and as_read_back(values["reviewer"]) != as_read_back(
            reviewer_name(review)
        ):
            edited.append("FG")
        if values["comment"] and as_read_back(values["comment"]) != as_read_back(review.comment):
            edited.append("Toelichting FG")
        if (
            values["current"] is not None
            and agreement.status == AgreementStatus.APPROVED
            # As the export writes the column (export.py agreement_records).
            and values["current"] != (not agreement.changed_since_approval())
        ):
            edited.append("Akkoord actueel")
        if edited:
            self.importer.result.warnings.append(
                _(
                    "%(sheet)s!row %(row)s: %(columns)s van het besluit bij %(reference)s worden "
                    "niet ingelezen: een besluit van de FG blijft zoals de FG het vastlegde."
                )
                % {
                    "sheet": reader.sheet.spec.name,
                    "row": reader.number,
                    "columns": ", ".join(f"“{name}”" for name in edited),
                    "reference": agreement.reference,
                }
            )

    @staticmethod
    def check_suppliers(reader: RowReader, supplier, products) -> None:
        for product in products:
            if product.supplier_id != supplier.pk:
                reader.error(
                    _(
                        "product “%(product)s” is van %(other)s, niet van %(supplier)s; "
                        "een overeenkomst geldt voor producten van één leverancier."
                    )
                    % {
                        "product": product.name,
                        "other": product.supplier.name,
                        "supplier": supplier.name,
                    }
                )

    def check_may_record_decision(self, reader: RowReader, reference: str, decision: str) -> None:
        """Only the FG records FG decisions (AVG art. 38-39), also on an agreement that is new
        to the register; a superuser's permissions do not make one an FG."""
        if not self.importer.may_record_decisions:
            reader.error(
                _(
                    "%(reference)s is nieuw in het register en de rij legt een besluit van de FG "
                    "vast (%(decision)s); alleen een FG mag besluiten importeren. Laat de FG de "
                    "werkmap importeren, of zet de Status op concept of ter beoordeling en laat "
                    "“Besluit FG”, “FG-besluit op” en “FG” leeg: dan beoordeelt de FG de "
                    "overeenkomst in het register."
                )
                % {"reference": reference, "decision": Decision(decision).label.lower()}
            )

    def check_workflow(
        self,
        reader: RowReader,
        agreement: Agreement,
        *,
        status: str | None,
        reason: str,
        decision: str | None,
        decided_on: datetime.date | None,
        values: dict,
    ) -> None:
        """An agreement already in the register follows the review workflow.

        Moving a register in may bring its FG decisions along (new agreements get imported
        reviews), but an import must never stand in for the FG (AVG art. 38-39): it cannot
        record a new decision on an existing agreement, nor move one into a decision status,
        and other status moves are made by `Agreement.set_status()` (refused here first, with
        the row's number, when its transition table forbids them).
        """
        if status and status != agreement.status:
            current = AgreementStatus(agreement.status).label.lower()
            if status in Decision.values:
                reader.error(
                    _(
                        "de status van %(reference)s gaat van %(current)s naar %(new)s; dat is "
                        "een besluit van de FG, dat de FG zelf in het register vastlegt. Neem "
                        "de huidige status over."
                    )
                    % {
                        "reference": agreement.reference,
                        "current": current,
                        "new": AgreementStatus(status).label.lower(),
                    }
                )
            elif not agreement.can_move_to(status):
                allowed = ", ".join(
                    str(AgreementStatus(s).label).lower()
                    for s in sorted(STATUS_TRANSITIONS[agreement.status])
                )
                reader.error(
                    _(
                        "de status van %(reference)s kan niet van %(current)s naar %(new)s; "
                        "toegestaan: %(allowed)s."
                    )
                    % {
                        "reference": agreement.reference,
                        "current": current,
                        "new": AgreementStatus(status).label.lower(),
                        "allowed": allowed or _("geen (definitief)"),
                    }
                )
            elif status == AgreementStatus.SUBMITTED and not agreement.may_be_submitted():
                # As "Indienen ter beoordeling" refuses it (agreements/services.py): a stale
                # workbook from before the FG's approval must not withdraw that approval.
                # Decided in `finish()`, once the workbook's content changes (this row's and
                # the other sheets') are in: a changed agreement may go back to the FG.
                self.resubmitted.append((reader, agreement.pk))
            elif status == AgreementStatus.TERMINATED and not reason:
                reader.error(_("vul bij een beëindigde overeenkomst de “Reden beëindiging” in."))
        if decision and decided_on and not reader.failed:
            same = [r for r in agreement.reviews.all() if _same_decision(r, decision, decided_on)]
            if same:
                self.warn_if_decision_edited(reader, agreement, same[-1], values)
            else:
                reader.error(
                    _(
                        "het besluit “%(decision)s” van %(date)s staat niet in het register bij "
                        "%(reference)s. Een nieuw besluit legt de FG zelf vast in het register, "
                        "niet via een import; neem het laatste besluit uit de export over."
                    )
                    % {
                        "decision": Decision(decision).label.lower(),
                        "date": decided_on.isoformat(),
                        "reference": agreement.reference,
                    }
                )

    def finish(self) -> None:
        """The imported FG decisions, fingerprinted after all the agreements' content is in;
        and no approval withdrawn by a resubmission of content it still covers."""
        self.refuse_withdrawn_approvals()
        pending = [item for item in self.pending_reviews if item["agreement"].pk is not None]
        if not pending:
            return
        ids = sorted({item["agreement"].pk for item in pending})
        fresh = {}
        for part in chunks(ids):
            query = Agreement.objects.filter(pk__in=part).with_fingerprint_content()
            fresh.update({agreement.pk: agreement for agreement in query})
        reviews = []
        for item in pending:
            agreement = fresh[item["agreement"].pk]
            decided_on = item["decided_on"]
            if any(
                _same_decision(r, item["decision"], decided_on) for r in agreement.reviews.all()
            ):
                continue
            outdated = item["decision"] == Decision.APPROVED and not item["current"]
            reviews.append(
                Review(
                    agreement=agreement,
                    decision=item["decision"],
                    comment=item["comment"],
                    reviewer_name=item["reviewer"],
                    decided_at=timezone.make_aware(
                        datetime.datetime.combine(decided_on, datetime.time(12, 0))
                    ),
                    fingerprint=(
                        OUTDATED_FINGERPRINT if outdated else agreement.content_fingerprint()
                    ),
                    imported=True,
                )
            )
            self.importer.result.changes.append(
                Change(
                    sheet=self.spec.name,
                    row=item["reader"].number,
                    action="created",
                    review=True,
                    label=_("Besluit FG bij %(reference)s: %(decision)s (%(date)s)")
                    % {
                        "reference": agreement.reference,
                        "decision": Decision(item["decision"]).label.lower(),
                        "date": decided_on.isoformat(),
                    },
                )
            )
        self.records.writer.now = timezone.now()
        self.records.writer.create(Review, reviews)


class NoticesImport(SheetImport):
    """A privacy notice per covered product, with the attributes agreed for that product."""

    spec = NOTICES

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        reference, product_ref = values["agreement"], values["product"]
        attributes = self.known.attribute_list(reader, values["attributes"], "Attributen")
        if not (reference and product_ref):
            return
        agreement = self.known.agreement(reader, reference)
        if agreement is None:
            return
        product = self.known.product(reader, product_ref, agreement.supplier.name)
        if product is None:
            return
        label = f"{reference} / {product.name}"
        if self.duplicate(reader, (reference, product.pk), label):
            return
        if product.pk not in self.known.covered.get(reference, set()):
            reader.error(
                _(
                    "product “%(product)s” valt niet onder overeenkomst %(reference)s; voeg "
                    "het toe aan Producten op het tabblad Overeenkomsten."
                )
                % {"product": product.name, "reference": reference}
            )
            return
        m2m = {"attributes": attributes}
        if reader.has(self.spec.header_of("subprocessors")):
            m2m["subprocessors"] = self.subprocessors(reader, agreement, values["subprocessors"])
        key = (agreement.pk, product.pk)
        notice = self.known.notices.get(key) or PrivacyNotice(agreement=agreement, product=product)
        if self.records.save(reader, notice, reader.assigned(values), label, m2m=m2m):
            self.known.notices[key] = notice

    def subprocessors(self, reader: RowReader, agreement: Agreement, names: list[str]) -> list:
        """The agreement's own subprocessors by name, or "Naam (Dienst)" where a name serves
        in two roles; any other name is an error on this row."""
        own = [sub for (pk, _n, _s), sub in self.known.subprocessors.items() if pk == agreement.pk]
        found = []
        for item in names:
            by_name = [s for s in own if s.name.strip().lower() == item.strip().lower()]
            if len(by_name) > 1:
                reader.error(
                    _(
                        "subverwerker “%(name)s” staat meer dan eens bij %(reference)s; "
                        "schrijf “Naam (Dienst)”."
                    )
                    % {"name": item, "reference": agreement.reference}
                )
                continue
            if not by_name:
                by_name = [
                    s for s in own if subprocessor_label(s.name, s.service).lower() == item.lower()
                ]
            if not by_name:
                reader.error(
                    _(
                        "subverwerker “%(name)s” staat niet bij overeenkomst %(reference)s; "
                        "zet hem op het tabblad Subverwerkers."
                    )
                    % {"name": item, "reference": agreement.reference}
                )
                continue
            found.append(by_name[0])
        return found


class SubprocessorsImport(SheetImport):
    spec = SUBPROCESSORS

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        reference, name, service = values["agreement"], values["name"], values["service"]
        try:
            parse_locations(values["countries"])
        except InvalidLocation as error:
            reader.error(
                _(
                    "“%(value)s” in Land is geen landcode of regio; gebruik ISO 3166 alpha-2, "
                    "zoals NL; BE of US, of de regio EER of wereldwijd."
                )
                % {"value": error.value}
            )
        headquarters = values["headquarters"]
        if headquarters and headquarters not in ISO_COUNTRIES:
            reader.error(
                _(
                    "“%(country)s” in Hoofdvestiging is geen landcode; gebruik ISO 3166 "
                    "alpha-2, zoals NL, IE of US."
                )
                % {"country": headquarters}
            )
        if not (reference and name):
            return
        agreement = self.known.agreement(reader, reference)
        if agreement is None:
            return
        key = subprocessor_key(agreement.pk, name, service)
        label = f"{reference} / {name}" + (f" ({service})" if service else "")
        if self.duplicate(reader, key, label):
            return
        sub = self.known.subprocessors.get(key) or Subprocessor(
            agreement=agreement, name=name, service=service
        )
        if sub.pk:
            values["countries"] = locations_as_stored(values["countries"], sub.countries)
        if self.records.save(reader, sub, reader.assigned(values), label):
            self.known.subprocessors[key] = sub


class DocumentsImport(SheetImport):
    """PDFs beside the workbook, each stored as the next version of its kind. A row whose
    hash the register already holds under that kind for that agreement is left alone, so an
    exported workbook imports back."""

    spec = DOCUMENTS

    def __init__(self, importer) -> None:
        super().__init__(importer)
        self.new_documents: list[tuple[int, Document]] = []

    def run(self, sheet) -> None:
        super().run(sheet)
        self.write_documents()

    def row(self, reader: RowReader, values: dict[str, Any]) -> None:
        reference, kind = values["agreement"], values["kind"]
        location, expected = values["file"], values["sha256"]
        if not (reference and location):
            return
        agreement = self.known.agreement(reader, reference)
        if agreement is None:
            return
        # "Already held" is per kind: the same file listed under another kind is stored again.
        hashes = self.known.hashes[(agreement.pk, kind)]
        if expected and expected in hashes:
            self.importer.result.unchanged[self.spec.name] += 1
            return
        content = self.read_document(reader, location)
        if content is None:
            return
        digest = hashlib.sha256(content).hexdigest()
        if expected and expected != digest:
            reader.error(
                _(
                    "de Sha256 in de werkmap hoort niet bij het bestand “%(file)s”; maak de "
                    "cel Sha256 leeg of zet het juiste bestand neer."
                )
                % {"file": location}
            )
            return
        if digest in hashes:
            self.importer.result.unchanged[self.spec.name] += 1
            return
        if reader.failed:
            return
        if not self.importer.dry_run and not self.errors:
            # As `add_document` stores an upload; the rows are written by
            # `write_documents()`, which numbers the versions.
            document = Document(
                agreement=agreement,
                kind=kind,
                original_name=pdf_file_name(location),
                sha256=digest,
                size=len(content),
                uploaded_by=self.importer.user,
            )
            self.importer.staging.store(document, content)
            self.new_documents.append((reader.number, document))
        hashes.add(digest)
        self.importer.result.changes.append(
            Change(
                sheet=self.spec.name,
                row=reader.number,
                action="created",
                label=f"{reference}: {DocumentKind(kind).label} ({location})",
            )
        )

    def read_document(self, reader: RowReader, location: str) -> bytes | None:
        """The PDF at `location`, relative to the workbook's folder and never outside it."""
        relative = location.replace("\\", "/")
        parts = PurePosixPath(relative).parts
        if relative.startswith("/") or re.match(r"^[A-Za-z]:", relative) or ".." in parts:
            reader.error(
                _(
                    "Bestand “%(file)s” ligt buiten de map van de werkmap; geef een pad op "
                    "binnen die map, zoals documents/overeenkomst.pdf."
                )
                % {"file": location}
            )
            return None
        folder = self.importer.folder.resolve()
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder):
            reader.error(
                _("Bestand “%(file)s” verwijst naar een plek buiten de map van de werkmap.")
                % {"file": location}
            )
            return None
        if not path.is_file():
            reader.error(
                _(
                    "Bestand “%(file)s” is niet gevonden naast de werkmap; zet de PDF in de map "
                    "van de werkmap (of upload een zip met de werkmap en de PDF's)."
                )
                % {"file": location}
            )
            return None
        if path.stat().st_size > settings.DOCUMENT_MAX_BYTES:
            content = b"x" * (settings.DOCUMENT_MAX_BYTES + 1)  # let validate_pdf word it
        else:
            content = path.read_bytes()
        try:
            validate_pdf(content)
        except ValidationError as exc:
            reader.error(f"Bestand “{location}”: {' '.join(exc.messages)}")
            return None
        return content

    def write_documents(self) -> None:
        """The new documents in bulk, each the next version of its kind for its agreement.

        Like `add_document`, the agreements are locked first, so that an upload at the same
        moment cannot take the same version number.
        """
        documents, self.new_documents = self.new_documents, []
        if not documents or self.errors:
            return
        latest: dict[tuple[int, str], int] = defaultdict(int)
        ids = sorted({document.agreement.pk for _number, document in documents})
        for part in chunks(ids):
            list(Agreement.objects.select_for_update().filter(pk__in=part).values_list("pk"))
            versions = (
                Document.objects.filter(agreement_id__in=part)
                .order_by()
                .values("agreement_id", "kind")
                .annotate(latest=Max("version"))
                .values_list("agreement_id", "kind", "latest")
            )
            for agreement_id, kind, version in versions:
                latest[(agreement_id, kind)] = version
        for number, document in documents:
            key = (document.agreement.pk, document.kind)
            latest[key] += 1
            document.version = latest[key]
            try:
                document.full_clean(
                    exclude=["agreement", "uploaded_by"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as exc:
                self.errors.append(f"{self.spec.name}!row {number}: {' '.join(exc.messages)}")
        if not self.errors:
            self.records.writer.now = timezone.now()
            self.records.writer.create(Document, [document for _number, document in documents])
