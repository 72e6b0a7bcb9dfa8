"""Service records, activity reports and certificates (see models/records.py for the rules).

`draft_for(attendance)` is what the check-in part calls once an attendance is closed: the draft
record the organisation's staff then review.
"""

from __future__ import annotations

from django.db import transaction

from tongxin.core import audit
from tongxin.core.workdays import add_workdays
from tongxin.mobilization.models import Attendance, RecordStatus, ServiceRecord

REVIEW_WORKDAYS = 10  # 志愿服务记录与证明出具办法: recorded within 10 working days after the activity


@transaction.atomic
def draft_for(attendance: Attendance) -> ServiceRecord | None:
    """The draft service record of a closed attendance (its credited hours), or the current one if it
    has one already; None while the attendance is still open."""
    if attendance.checked_out_at is None or attendance.hours is None:
        return None
    current = ServiceRecord.objects.filter(attendance=attendance).exclude(status=RecordStatus.SUPERSEDED).first()
    if current is not None:
        return current
    shift = attendance.assignment.shift
    post = shift.post
    record = ServiceRecord.objects.create(
        person=attendance.assignment.person, unit=post.unit, activity=post.name, day=shift.day,
        place=post.place, content=post.get_kind_display(), hours=attendance.hours,
        person_in_charge=post.leader.name if post.leader_id else "", attendance=attendance,
        status=RecordStatus.DRAFT, due_by=add_workdays(shift.day, REVIEW_WORKDAYS))
    audit.record_change(None, record, None, unit=post.unit)
    return record
