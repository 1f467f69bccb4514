"""Refusing a stale edit: optimistic concurrency for every record edited through a form.

Suppliers, products, agreements and processing activities carry a `version`. An edit form
sends the version it loaded; the save claims the next version with one conditional UPDATE
(`... SET version = version + 1 WHERE id = %s AND version = <loaded>`). The database runs
that statement atomically, so of two concurrent writers exactly one claims the row and the
other changes nothing. Showing a form takes no lock. This module sits in the lowest app so
that `agreements` and `register` use the same helper (imports go suppliers <- agreements <-
register).
"""

from __future__ import annotations

from django import forms
from django.db import models, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils.translation import gettext as _


def stale_edit_message(record: str) -> str:
    """What the second of two concurrent editors reads; `record` is e.g. "deze leverancier"."""
    return _(
        "Niet opgeslagen: iemand anders heeft %(record)s gewijzigd nadat u het formulier "
        "opende. Uw invoer staat nog in het formulier. Open %(record)s opnieuw in een nieuw "
        "tabblad, bekijk de wijziging en breng uw aanpassing daar nogmaals aan."
    ) % {"record": record}


# Sent around the version claim, which writes with `update()` (no save signals).
version_claiming = Signal()
version_claimed = Signal()


class StaleEditError(Exception):
    """Someone else saved the record after this editor loaded it; nothing was written."""


def claim_version(instance: models.Model, expected_version: int | None) -> int:
    """Move `instance`'s row to the next version, if it is still at `expected_version`.

    Raises StaleEditError when it is not (or when the form sent no version). On success the
    new version is set on `instance`, so that its save keeps it. Call inside the transaction
    that saves the edit: the claim and the edit commit together or not at all.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim_version() must run inside the transaction of the edit.")
    if expected_version is None:
        raise StaleEditError
    # update() skips history on purpose: the save that follows records the new version.
    # The signals let the rules note this write like a save (register/rules/notes.py).
    version_claiming.send(sender=type(instance), instance=instance)
    claimed = (
        type(instance)
        ._base_manager.filter(pk=instance.pk, version=expected_version)
        .update(version=F("version") + 1)
    )
    version_claimed.send(sender=type(instance), instance=instance)
    if not claimed:
        raise StaleEditError
    instance.version = expected_version + 1
    return instance.version


class VersionedFormMixin(forms.Form):
    """Carries the version of the record as the page loaded it, for `claim_version()`."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    @property
    def loaded_version(self) -> int | None:
        """The version the editor loaded (None when the form was not sent from the page)."""
        return self.cleaned_data.get("version")


@transaction.atomic
def save_edit(*, form: forms.ModelForm, expected_version: int | None) -> models.Model:
    """Save a valid model form; an edit only when the record is still at `expected_version`.

    A new record is simply saved (also one whose key is fixed before its first save: the
    organisation). Raises StaleEditError, with nothing written, when someone else saved the
    record after the editor loaded it.
    """
    if not form.instance._state.adding:
        claim_version(form.instance, expected_version)
    return form.save()


def save_or_refuse(form: VersionedFormMixin, record: str) -> models.Model | None:
    """`save_edit()` of a valid edit form with the version it sent: the saved record, or None
    with the stale-edit message on the form (`record` as in `stale_edit_message`), nothing
    written and the editor's input kept."""
    try:
        return save_edit(form=form, expected_version=form.loaded_version)
    except StaleEditError:
        form.add_error(None, stale_edit_message(record))
        return None
