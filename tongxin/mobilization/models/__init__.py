"""Mobilization's models, one module per part: people, posts (posts, shifts, assignments),
attendance (check-in and out), records (service records, activity reports, certificates) and the
daily roll-up the bureaus' overview reads."""

from tongxin.mobilization.models.attendance import Attendance, Flag, Method
from tongxin.mobilization.models.people import Person, PersonKind, Skill
from tongxin.mobilization.models.posts import Assignment, AssignmentStatus, Post, PostKind, Shift
from tongxin.mobilization.models.records import ActivityReport, Certificate, RecordStatus, ServiceRecord
from tongxin.mobilization.models.rollup import DeploymentDay

__all__ = [
    "ActivityReport", "Assignment", "AssignmentStatus", "Attendance", "Certificate", "DeploymentDay", "Flag",
    "Method", "Person", "PersonKind", "Post", "PostKind", "RecordStatus", "ServiceRecord", "Shift", "Skill",
]
