"""Many people recording status on one milestone at once: every update counts, and the rating
lists show is always the newest history row (the one the exception report reads)."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from programmes.board_reports import milestones_as_of
from programmes.choices import Rating, RatingScale
from programmes.models import Milestone, StatusUpdate
from programmes.services import status_record
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

AS_OF = date(2018, 9, 6)
PEOPLE = 10
# Ratings that need no cause, so every one of the ten updates is valid.
RATINGS = [Rating.GREEN, Rating.AMBER_GREEN, Rating.COMPLETE]


def _milestone() -> Milestone:
    programme = ProgrammeFactory(rating_scale=RatingScale.DELIVERY_CONFIDENCE)
    return MilestoneFactory(workstream=WorkstreamFactory(programme=programme))


def _record(milestone_id: int, index: int) -> None:
    # Each person's request reads the milestone on its own, before recording.
    milestone = Milestone.objects.get(pk=milestone_id)
    status_record(milestone=milestone, rating=RATINGS[index % len(RATINGS)], as_of=AS_OF)


def _assert_every_update_counted(milestone: Milestone, version_before: int) -> None:
    milestone.refresh_from_db()
    assert StatusUpdate.objects.filter(milestone=milestone).count() == PEOPLE
    assert milestone.version == version_before + PEOPLE
    _, statuses = milestones_as_of(milestone.programme, days={"now": AS_OF})
    assert milestone.rating == statuses[milestone.id]["now"].rating


@pytest.mark.django_db
def test_ten_status_updates_one_after_another_all_count():
    milestone = _milestone()
    version_before = milestone.version
    for index in range(PEOPLE):
        _record(milestone.pk, index)
    _assert_every_update_counted(milestone, version_before)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks need PostgreSQL; SQLite serialises writes anyway (see the test above)",
)
@pytest.mark.django_db(transaction=True)
def test_ten_people_recording_status_at_once_all_count_and_the_rating_matches_history():
    milestone = _milestone()
    version_before = milestone.version
    start = threading.Barrier(PEOPLE)
    failures: list[BaseException] = []

    def person(index: int) -> None:
        try:
            start.wait()
            _record(milestone.pk, index)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=person, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _assert_every_update_counted(milestone, version_before)
