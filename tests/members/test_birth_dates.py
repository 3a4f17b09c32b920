"""A birth date is a day, but Diller carries it as a date-time: reading it and writing it back
(every member update is a read-modify-write) must never move it by a day."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from django_diller.api import models as m
from django_diller.members.profile import birth_date_of, birth_datetime
from django_diller.members.updates import as_update

OSLO_SUMMER = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(1990, 5, 17, tzinfo=UTC), date(1990, 5, 17)),  # as the shop writes it
        (datetime(1990, 5, 17, tzinfo=OSLO_SUMMER), date(1990, 5, 17)),  # an Oslo midnight
        (datetime(1990, 5, 16, 22, tzinfo=UTC), date(1990, 5, 17)),  # the same, stored in UTC
        (datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), date(1970, 1, 1)),
        (None, None),
    ],
)
def test_the_day_a_birth_date_time_means(settings, moment, day):
    settings.DILLER = {**settings.DILLER, "TIME_ZONE": "Europe/Oslo"}
    assert birth_date_of(moment) == day


@pytest.mark.django_db
def test_a_member_written_back_keeps_its_birthday(settings):
    settings.DILLER = {**settings.DILLER, "TIME_ZONE": "Europe/Oslo"}
    read = m.MemberResponse(
        id="m-1",
        gender=m.Gender.Female,
        birth_date=datetime(1990, 5, 17, tzinfo=OSLO_SUMMER),
        segments=[],
    )
    body = as_update(read)
    assert body["birth_date"] == birth_datetime(date(1990, 5, 17))
    assert birth_date_of(body["birth_date"]) == date(1990, 5, 17)
