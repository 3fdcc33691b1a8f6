"""rate_request: one rating per solved request, changeable for a week, from any channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm_core.db import utcnow
from servicedesk.desk.errors import InvalidChange
from servicedesk.desk.feedback import CHANGEABLE_FOR, RequestRating, rate_request
from servicedesk.desk.models import Status
from servicedesk.desk.operations import change_status
from tests.integration.desk.test_operations import UowFactory, intake, mail


def solved_request(uow_factory: UowFactory) -> int:
    request_id: int = intake(uow_factory, mail("rate@example.com")).request_id
    with uow_factory() as uow:
        change_status(uow, request_id, Status.SOLVED)
        uow.commit()
    return request_id


def test_only_a_solved_request_is_rated(uow_factory: UowFactory) -> None:
    open_id = intake(uow_factory, mail("open@example.com")).request_id
    with uow_factory() as uow, pytest.raises(InvalidChange, match="not solved"):
        rate_request(uow, open_id, "good", None, "webchat")


def test_one_answer_per_request_the_latest_wins_within_a_week(uow_factory: UowFactory) -> None:
    request_id = solved_request(uow_factory)
    first = utcnow()
    with uow_factory() as uow:
        rate_request(uow, request_id, "bad", "slow", "email", rater="ann@example.com", now=first)
        uow.commit()
    with uow_factory() as uow:
        later = first + CHANGEABLE_FOR - timedelta(minutes=1)
        rate_request(uow, request_id, "good", "sorted", "portal", now=later)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.session.scalars(select(RequestRating)).one()
        assert (stored.score, stored.comment, stored.channel) == (1, "sorted", "portal")
        too_late = first + CHANGEABLE_FOR + timedelta(minutes=1)
        with pytest.raises(InvalidChange, match="no longer"):
            rate_request(uow, request_id, "bad", None, "webchat", now=too_late)


def test_an_unknown_answer_is_refused(uow_factory: UowFactory) -> None:
    request_id = solved_request(uow_factory)
    with uow_factory() as uow, pytest.raises(InvalidChange, match="good or bad"):
        rate_request(uow, request_id, "meh", None, "webchat")
