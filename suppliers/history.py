"""Who wrote a history record, as every history page of the register names them."""

from __future__ import annotations

from django.utils.translation import gettext as _

# The command line acts as the operator who installs the register, who has no account: the
# records it writes carry this change reason, so the history still names who did it.
OPERATOR_REASON_PREFIX = "beheerder: "


def operator_reason(name: str) -> str:
    """The change reason of the history records the operator `name` writes (at most 100)."""
    return f"{OPERATOR_REASON_PREFIX}{name}"[:100]


def record_author(record, nobody: str | None = None) -> str:
    """The user who wrote `record`, else the operator at the command line, else `nobody`."""
    if record.history_user is not None:
        return record.history_user.get_full_name() or record.history_user.get_username()
    reason = record.history_change_reason or ""
    if reason.startswith(OPERATOR_REASON_PREFIX):
        name = reason.removeprefix(OPERATOR_REASON_PREFIX)
        return _("%(name)s (beheerder, opdrachtregel)") % {"name": name}
    return nobody if nobody is not None else _("systeem")


# Fields every save moves; not a change anyone made.
BOOKKEEPING_FIELDS = ["version", "updated_at", "created_at"]


def history_entries(instance, size: int, nobody: str | None = None) -> list[dict]:
    """The latest `size` history records of `instance`, newest first, each with who wrote
    it and the verbose names of the fields it changed (bookkeeping fields left out): the
    history pages say who changed what, not only who and when."""
    model = type(instance)
    records = list(instance.history.select_related("history_user")[: size + 1])
    entries = []
    for record, previous in zip(records, records[1:] + [None], strict=True):
        if len(entries) == size:
            break
        changed = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=BOOKKEEPING_FIELDS)
            changed = [
                str(model._meta.get_field(change.field).verbose_name) for change in delta.changes
            ]
        who = record_author(record, nobody=nobody)
        entries.append({"record": record, "changed": changed, "who": who})
    return entries
