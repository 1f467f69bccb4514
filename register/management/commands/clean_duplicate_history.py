"""simple-history's `clean_duplicate_history`, refusing the record's history
(_keep_record_history)."""

from simple_history.management.commands import clean_duplicate_history

from ._keep_record_history import KeepRecordHistoryMixin


class Command(KeepRecordHistoryMixin, clean_duplicate_history.Command):
    pass
