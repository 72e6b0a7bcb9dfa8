"""Models of command and dispatch, one module per part."""

from tongxin.command.models.directives import Delivery, Directive, Urgency
from tongxin.command.models.duty import CheckIn, DutyRole, DutyShift
from tongxin.command.models.meetings import (
    ActionAssignment,
    ActionEvent,
    ActionItem,
    ActionNotice,
    AssignmentStatus,
    Attendance,
    Meeting,
    Mode,
)
from tongxin.command.models.responses import Level, Response, ResponseEvent, ResponseKind

__all__ = [
    "ActionAssignment", "ActionEvent", "ActionItem", "ActionNotice", "AssignmentStatus", "Attendance", "Meeting",
    "Mode",
    "CheckIn", "Delivery", "Directive", "DutyRole", "DutyShift", "Level", "Response", "ResponseEvent",
    "ResponseKind", "Urgency",
]
