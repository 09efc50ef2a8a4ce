"""What units type, as each door reads it (issue 20, items 1, 3, 4, 6): line breaks, counts, links, and
an ended activity told apart by its error's type and status, not its words."""

from __future__ import annotations

import time

import pytest
from google.protobuf.any_pb2 import Any
from temporalio.api.common.v1 import GrpcStatus
from temporalio.api.errordetails.v1 import WorkflowNotReadyFailure
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from campaign.limits import MAX_SUMMARY_CHARS
from campaign.messages import (
    Ended,
    Rejected,
    SubmitReport,
    ended_sentence,
    evidence_link,
    read_message,
    whole_number,
)
from service.updates import (
    MOMENT,
    NOT_READY,
    UNAVAILABLE,
    Refused,
    activity_ended,
    ended_refusal,
    not_ready,
    sent_politely,
    translate_failure,
)
from workflows.checked import HANDING_OVER, HANDING_OVER_SAYS


def test_line_breaks_from_a_browser_are_read_as_lf_before_any_check() -> None:
    typed = "Dòng một\r\nDòng hai\rDòng ba\n" + "x" * (MAX_SUMMARY_CHARS - 28)
    message = read_message(SubmitReport, {"unit": "bhxh", "summary": typed, "participants": 3})
    assert message.summary.count("\n") == 3 and "\r" not in message.summary
    assert len(message.summary) <= MAX_SUMMARY_CHARS  # counted after, as the textarea's maxlength does
    with pytest.raises(Rejected, match="ký tự điều khiển"):
        read_message(SubmitReport, {"unit": "bhxh", "summary": "chuông\x07", "participants": 3})
    with pytest.raises(Rejected, match="xuống dòng"):  # a one-line field still refuses a line break
        read_message(SubmitReport, {"unit": "bhxh", "summary": "x", "participants": 3, "submitted_by": "A\r\nB"})


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("130", 130),
        (" 45 ", 45),
        ("1.200", 1200),
        ("1,200", 1200),
        ("12.345.678", 12345678),
        ("1 200", 1200),
        ("1\u00a0200\u00a0000", 1200000),  # no-break spaces between groups, as a word processor pastes them
        ("007", 7),
        ("-5", -5),
        ("-1.200", -1200),  # returned, for the message's own limit to name it
    ],
)
def test_counts_are_read_as_people_type_them(typed: str, read: int) -> None:
    assert whole_number(typed, "participants") == read


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2,5", "phải là số nguyên, không có phần thập phân (đã nhập “2,5”)"),
        ("2.5", "không có phần thập phân"),
        ("1.200,5", "số nguyên"),
        ("1,20", "không có phần thập phân"),
        ("1.200,300", "số nguyên"),
        ("mười", "viết bằng chữ số"),
    ],
)
def test_a_decimal_or_words_are_refused_naming_the_field(typed: str, said: str) -> None:
    with pytest.raises(Rejected, match=r"^số người tham gia phải") as refused:
        whole_number(typed, "participants")
    assert said in str(refused.value)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("12 5", "phải là số nguyên viết bằng chữ số"),  # a space only between groups of three
        ("", "chưa được nhập"),
        ("99999999999999999999", "quá lớn"),
        ("1" + ".000" * 1500, "quá lớn"),  # read before Python's 4,300-digit limit on int() is met
    ],
)
def test_spaces_inside_nothing_typed_and_a_number_too_long_are_refused_naming_the_field(typed: str, said: str) -> None:
    with pytest.raises(Rejected, match=r"^số người tham gia ") as refused:
        whole_number(typed, "participants")
    assert said in str(refused.value) and len(str(refused.value)) < 200


def test_a_link_without_a_scheme_is_read_as_https_and_a_bad_one_is_told_how_to_write() -> None:
    assert evidence_link("drive.google.com/file/d/abc") == "https://drive.google.com/file/d/abc"
    assert evidence_link(" www.facebook.com/doanbhxh/posts/1 ") == "https://www.facebook.com/doanbhxh/posts/1"
    assert evidence_link("http://example.org/a") == "http://example.org/a"
    assert evidence_link("javascript:alert(1)") == "javascript:alert(1)"
    assert evidence_link("ảnh ở nhóm Zalo") == "ảnh ở nhóm Zalo"


def update_failed(kind: str, text: str) -> WorkflowUpdateFailedError:
    return WorkflowUpdateFailedError(ApplicationError(text, type=kind, non_retryable=True))


def test_an_ended_activity_is_told_by_the_errors_type_and_status_not_its_words() -> None:
    said = ended_sentence(4)
    assert said == "Hoạt động 4 đã kết thúc, không nhận thêm thông tin."
    assert ended_sentence("3.1", cancelled=True) == "Hoạt động 3.1 đã bị hủy, không nhận thêm thông tin."
    assert issubclass(Ended, Rejected)
    aborted = RPCError("workflow update was aborted by closing workflow", RPCStatusCode.NOT_FOUND, b"")
    completed = RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
    away = RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")
    worded_like_it = RPCError("workflow execution already completed", RPCStatusCode.INTERNAL, b"")
    assert activity_ended(aborted) and activity_ended(completed)
    assert not activity_ended(away) and not activity_ended(worded_like_it)
    assert activity_ended(update_failed("Ended", said)) and ended_refusal(update_failed("Ended", said)) == said
    assert not activity_ended(update_failed("Rejected", "hoạt động 4 đã kết thúc"))  # words alone decide nothing


def test_a_server_that_lost_an_update_before_the_workflow_took_it_is_asked_again_not_read_as_closed() -> None:
    """The real server answers FAILED_PRECONDITION with a WorkflowNotReadyFailure when it reloaded a busy
    workflow between admitting an update and handing it over (seen under a stream of reports on a loaded
    machine): the unit is not told its activity has ended, and the doors' sender tries again."""
    detail = Any(type_url=NOT_READY, value=WorkflowNotReadyFailure().SerializeToString())
    raw = GrpcStatus(code=9, message="due to unexpected workflow task failure", details=[detail])
    lost = RPCError("Unable to perform workflow execution update", RPCStatusCode.FAILED_PRECONDITION,
                    raw.SerializeToString())  # fmt: skip
    closed = RPCError("workflow execution already completed", RPCStatusCode.FAILED_PRECONDITION, b"")
    assert not_ready(lost) and not not_ready(closed)
    told = translate_failure(lost, ended_sentence(4))
    assert (told.status, told.code, told.again) == (503, "unavailable", True)
    assert told.message == UNAVAILABLE and "Unable to perform" in told.detail
    assert (translate_failure(closed, ended_sentence(4)).code, translate_failure(closed, ended_sentence(4)).again) == (
        "closed",
        False,
    )
    busy = translate_failure(RPCError("too many updates", RPCStatusCode.RESOURCE_EXHAUSTED, b""), ended_sentence(4))
    assert busy.again and busy.status == 503


def test_a_message_refused_while_the_activity_hands_over_is_sent_again_not_shown_as_refused() -> None:
    """An activity that is handing over to its next run refuses new messages for a moment
    (workflows.activity.REFUSE_WHILE_HANDING_OVER): the doors' sender tries again; a person who
    still meets it is told to try again, never that the report was refused."""
    told = translate_failure(update_failed(HANDING_OVER, HANDING_OVER_SAYS), ended_sentence(4))
    assert (told.status, told.code, told.again, told.message) == (503, "unavailable", True, UNAVAILABLE)
    rejected = translate_failure(update_failed("Rejected", "số người tham gia phải là số"), ended_sentence(4))
    assert (rejected.status, rejected.again) == (422, False)


async def test_every_door_tries_a_refusal_that_says_again_a_moment_later_and_nothing_else() -> None:
    """`sent_politely` (the web doors through `send_to_activity`, the command line directly): a send that
    meets a hand-over is tried again within moments and answered; a rejection is told at once, never
    tried twice."""
    tries: list[str] = []
    handing_over = translate_failure(update_failed(HANDING_OVER, HANDING_OVER_SAYS), ended_sentence(4))

    async def taken_on_the_third_try() -> str:
        tries.append("try")
        if len(tries) < 3:
            raise handing_over
        return "đã nhận"

    started = time.monotonic()
    assert await sent_politely(taken_on_the_third_try) == "đã nhận"
    assert len(tries) == 3 and time.monotonic() - started < 2 * MOMENT

    rejected = translate_failure(update_failed("Rejected", "số người tham gia phải là số"), ended_sentence(4))

    async def refused() -> str:
        tries.append("rejected")
        raise rejected

    with pytest.raises(Refused) as told:
        await sent_politely(refused)
    assert told.value is rejected and tries.count("rejected") == 1
