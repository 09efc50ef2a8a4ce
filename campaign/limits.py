"""Every limit on what a person or a plan can set, in one place.

The message models (campaign.messages) and the importer enforce these; the
database columns are wider than every one of them (tests/workflows/test_dead_letters.py checks
that), so a value the workflow accepts can always be written. The README's
"Limits" section lists them for people.
"""

from __future__ import annotations

import re

from campaign.escape import visible

# --- messages from units and the office -------------------------------------------
MAX_PEOPLE = 1_000_000  # participants, beneficiaries (a PostgreSQL integer holds 2,147,483,647)
MAX_SUMMARY_CHARS = 5_000  # a results report's summary
MAX_NOTE_CHARS = 1_000  # a readiness note, a reason
MAX_NAME_CHARS = 100  # who submitted (the audit trail's actor column holds 120)
MAX_UNIT_QUERY_CHARS = 200  # a unit's code or name as typed
MAX_REQUEST_ID_CHARS = 100
MAX_EVIDENCE = 20  # links per report
MAX_URL_CHARS = 2_000
MAX_MESSAGE_BYTES = 64 * 1024  # a whole message as JSON
MAX_ASSIGNED_AT_ONCE = 100  # units named in one assignment

# --- identifiers that reach paths, e-mail headers and workflow IDs -----------------
MAX_CAMPAIGN_ID_CHARS = 64
CAMPAIGN_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
MAX_UNIT_CODE_CHARS = 60  # the store's unit_code columns hold 80
MAX_ACCOUNT_NAME_CHARS = 60  # a person's sign-in name (the users.name column holds 60)
MAX_PASSWORD_CHARS = 200  # a password as typed: longer input is cut there before it is checked
MAX_TOKEN_CHARS = 200  # a one-time link's token as typed (the tokens made are 43 characters)
MAX_FORM_FIELD_CHARS = 2_000  # one field of an office form, cut there before the form's own checks

# --- a plan typed in the schedule editor (the form's maxlength) -----------------------
MAX_PLAN_CODE_CHARS = 60  # the plan's number, e.g. 12-KH/ĐTN
MAX_PLAN_TEXT_CHARS = 1_000  # a title, a place, contact persons
MAX_ITEM_NUMBER_CHARS = 16  # an activity's number as the plan writes it, e.g. 3.1
MAX_ACTIVITY_NO = 999

# --- plan documents ------------------------------------------------------------------
MAX_PLAN_BYTES = 10 * 1024 * 1024  # the file as stored
MAX_DOCX_UNPACKED_BYTES = 50 * 1024 * 1024  # all parts of a .docx, uncompressed
MAX_PDF_PAGES = 60  # a plan is a few pages; a PDF beyond this is not one
MAX_PDF_UNPACKED_BYTES = 50 * 1024 * 1024  # all streams of a PDF, inflated
MAX_READ_SECONDS = 60  # reading one document (checked before each page, and the converters' time limit)
MAX_OCR_PAGES = 10  # scanned pages read by OCR in one document
MAX_OCR_PIXELS = 40_000_000  # one scanned page or photo (an A4 page at 600 dpi is 35 million)
MAX_OCR_PAGE_SECONDS = 30  # Tesseract on one page
MAX_PLAN_LINES = 20_000
MAX_LINE_CHARS = 5_000  # a longer line is cut there, with a finding
MAX_ACTIVITIES = 500
MAX_DAYS_FROM_ISSUE = 400  # a date further from the plan's issue date (or window) is a finding

_CAMPAIGN_ID = re.compile(CAMPAIGN_ID_PATTERN)


def campaign_id_problem(campaign_id: str) -> str | None:
    """Why `campaign_id` cannot be used (it names files, e-mail subjects and workflow IDs), or None."""
    shown = campaign_id_shown(campaign_id)
    if not campaign_id:
        return "mã chiến dịch không được để trống"
    if len(campaign_id) > MAX_CAMPAIGN_ID_CHARS:
        return f"mã chiến dịch dài {len(campaign_id)} ký tự, tối đa {MAX_CAMPAIGN_ID_CHARS}"
    if not _CAMPAIGN_ID.match(campaign_id):
        return (
            f"mã chiến dịch “{shown}” chỉ được gồm chữ thường không dấu (a–z), chữ số và dấu gạch ngang, "
            "không bắt đầu hay kết thúc bằng dấu gạch ngang (ví dụ 54-kh-dtn-2023-05)"
        )
    return None


def campaign_id_shown(campaign_id: str, limit: int = 80) -> str:
    """A campaign ID as it may be shown in a message: control characters visible, cut short."""
    return visible(campaign_id[:limit]) + ("…" if len(campaign_id) > limit else "")


# The report on the plan (campaign.duty): duties a plan gives its grassroots units, each one's text, and a
# unit's short note on one.
MAX_DUTIES = 30
MAX_DUTY_TEXT = 2000
MAX_DUTY_NOTE = 500
