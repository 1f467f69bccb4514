"""Writes to the processing register that need the acting user (house style: keyword-only,
atomic, checking their own permission)."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from suppliers.concurrency import claim_version

from .models import ProcessingActivity
from .rules.flags import load_activity_register


@transaction.atomic
def copy_derived_into_activity(
    *,
    activity: ProcessingActivity,
    user: User,
    expected_version: int | None,
    today: datetime.date | None = None,
) -> ProcessingActivity:
    """Write what the evidence says into the activity's Ontvangers (art. 30 lid 1 sub d AVG:
    the suppliers of its linked products) and Doorgifte derde landen (sub e: where their
    current agreements send data outside the EEA, or "geen").

    The evidence is read again here, not taken from the page, so what is written is what the
    register holds at this moment. Raises StaleEditError (nothing written) when someone saved
    the activity after the page was loaded, and ValidationError when it has no linked products.
    """
    if not user.has_perm("register.change_processingactivity"):
        raise PermissionDenied(_("Alleen de privacyfunctionaris mag verwerkingen wijzigen."))
    today = today or timezone.localdate()
    evidence = load_activity_register(activity).evidence(activity, today)
    if not evidence.products:
        raise ValidationError(
            _(
                "Aan deze verwerking zijn geen producten gekoppeld, dus er valt niets over te "
                "nemen. Koppel eerst de producten waarmee de verwerking plaatsvindt."
            ),
            code="no_products",
        )
    claim_version(activity, expected_version)
    activity.recipients = evidence.derived_recipients_text()
    activity.third_country_transfers = evidence.derived_transfers_text()
    activity.full_clean()
    activity._history_user = user
    activity.save()
    return activity
