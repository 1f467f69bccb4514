"""simple-history's `clean_old_history`, refusing the record's history (_keep_record_history)."""

from simple_history.management.commands import clean_old_history

from ._keep_record_history import KeepRecordHistoryMixin


class Command(KeepRecordHistoryMixin, clean_old_history.Command):
    pass
