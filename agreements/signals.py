"""Agreements, documents and reviews are the legal record: they are never hard-deleted.

The receiver also fires for queryset deletes, so no code path (admin, shell, cascade)
can remove them; end or archive an agreement instead (status `beeindigd`).
"""

from django.db.models import ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .models import Agreement, Document, Review


@receiver(pre_delete, sender=Agreement)
@receiver(pre_delete, sender=Document)
@receiver(pre_delete, sender=Review)
def refuse_delete(sender, instance, **kwargs) -> None:
    raise ProtectedError(
        f"{sender._meta.verbose_name} wordt nooit verwijderd; beëindig of archiveer in plaats daarvan.",
        {instance},
    )
