"""Agreements, documents and reviews are the legal record: they are never hard-deleted.

The receiver also fires for queryset deletes, so no code path (admin, shell, cascade)
can remove them; end or archive an agreement instead (status `beeindigd`).
"""

from django.db.models import ProtectedError
from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import receiver

from .models import Agreement, Document, PrivacyNotice, Review, Subprocessor


@receiver(pre_delete, sender=Agreement)
@receiver(pre_delete, sender=Document)
@receiver(pre_delete, sender=Review)
def refuse_delete(sender, instance, **kwargs) -> None:
    raise ProtectedError(
        f"{sender._meta.verbose_name} wordt nooit verwijderd; beëindig of archiveer in plaats daarvan.",
        {instance},
    )


@receiver(m2m_changed, sender=PrivacyNotice.subprocessors.through)
def refuse_foreign_subprocessor(sender, instance, action, pk_set, reverse, **kwargs) -> None:
    """Only the agreement's own subprocessors serve its products: the one guard that every way
    in (forms, API, import, admin) passes."""
    if action != "pre_add" or not pk_set:
        return
    if not reverse:
        instance.clean_subprocessors(Subprocessor.objects.filter(pk__in=pk_set))
        return
    for notice in PrivacyNotice.objects.filter(pk__in=pk_set).select_related("agreement"):
        notice.clean_subprocessors([instance])
