from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Naam"),
        max_length=100,
        help_text=_("Waarvoor het token is, bijvoorbeeld “Bestelsysteem” of “Dashboard bestuur”."),
        error_messages={
            "required": _("Geef het token een naam, zodat u later weet welk systeem het gebruikt.")
        },
    )
