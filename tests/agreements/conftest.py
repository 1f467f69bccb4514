import pytest
from django.contrib.auth.models import Group, User

from ..conftest import make_user


@pytest.fixture
def fg_officer(db) -> User:
    """A user in both fg and privacy_officer (a small board where roles overlap)."""
    user = make_user("fg_officer", "fg")
    user.groups.add(Group.objects.get(name="privacy_officer"))
    return user
