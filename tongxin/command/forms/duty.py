"""The forms of the duty pages: a unit's week grid (7 days × the leader and staff slots), the
board's filter and the Excel upload.

The week grid is read by hand rather than as 7 × 4 Django forms: each filled slot becomes one
`services.duty.RosterRow`, and the service's refusals (`rows.<i>.<field>`) are shown at the slot
they are about. A slot left blank (no name, no phone, no account) is no shift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.accounts.models import User
from tongxin.command.models import DutyRole, DutyShift
from tongxin.command.services.duty import MAX_NAME, MAX_SHIFT_LABEL, RosterRow
from tongxin.core.validators import mask_phone

STAFF_SLOTS = 3  # a leader and up to three staff a day on the page (the API and Excel take any number)
FIELDS = ("name", "phone", "user", "start", "end", "shift")


@dataclass
class Slot:
    key: str  # "d3-l0": day 3 (0 = Monday), the first leader slot; "d3-s1": its second staff slot
    role: str
    values: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        return bool(self.values.get("name") or self.values.get("phone") or self.values.get("user"))

    def name_of(self, part: str) -> str:
        return f"{self.key}-{part}"


@dataclass
class Day:
    day: dt.date
    slots: list[Slot]
    leaders: int
    staff: int


def _count(raw: Any, default: int) -> int:
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 6:  # '²' and '１' are no count here
        return default
    return min(int(text), 20) if int(text) > 0 else default


def _time(raw: str) -> dt.time | None:
    try:
        return dt.datetime.strptime(raw.strip(), "%H:%M").time()
    except ValueError:
        return None


class WeekGrid:
    """The week of `unit` from `week_start` as slots: from its shifts (GET) or from POST data.

    A day has at least one leader slot and STAFF_SLOTS staff slots, and one more for each shift
    beyond those (entered through the API or Excel); the page carries the counts (`d3-leaders`,
    `d3-staff`), so a posted grid is read with the slots it was shown with."""

    def __init__(self, week_start: dt.date, people: Sequence[User], *, shifts: Sequence[DutyShift] = (),
                 data: Mapping[str, Any] | None = None, masked: bool = False,
                 kept: Sequence[DutyShift] = ()) -> None:
        """`masked`: the viewer sees the people's phones masked (units.personal) — shown so, and a masked
        phone posted back unchanged stands for the number kept in `kept` (the week's shifts) under the
        same name."""
        self.week_start = week_start
        self.masked = masked
        self.originals = {(s.name, mask_phone(s.phone)): s.phone for s in kept}
        self.people = list(people)
        self.days: list[Day] = []
        self.errors: list[str] = []
        by_day: dict[dt.date, list[DutyShift]] = {}
        for s in shifts:
            by_day.setdefault(s.day, []).append(s)
        for d in range(7):
            day = week_start + dt.timedelta(days=d)
            leaders = [s for s in by_day.get(day, []) if s.role == DutyRole.LEADER]
            staff = [s for s in by_day.get(day, []) if s.role == DutyRole.STAFF]
            n_leaders, n_staff = max(1, len(leaders)), max(STAFF_SLOTS, len(staff))
            if data is not None:
                n_leaders = _count(data.get(f"d{d}-leaders"), n_leaders)
                n_staff = _count(data.get(f"d{d}-staff"), n_staff)
            slots = ([Slot(f"d{d}-l{i}", DutyRole.LEADER) for i in range(n_leaders)]
                     + [Slot(f"d{d}-s{i}", DutyRole.STAFF) for i in range(n_staff)])
            if data is None:
                placed = zip(slots[:n_leaders], leaders, strict=False)
                for slot, s in [*placed, *zip(slots[n_leaders:], staff, strict=False)]:
                    start, end = timezone.localtime(s.starts_at), timezone.localtime(s.ends_at)
                    slot.values = {"name": s.name, "phone": mask_phone(s.phone) if masked else s.phone,
                                   "user": str(s.user_id or ""),
                                   "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "shift": s.shift}
            else:
                for slot in slots:
                    slot.values = {p: str(data.get(slot.name_of(p), ""))[:60].strip() for p in FIELDS}
            self.days.append(Day(day, slots, n_leaders, n_staff))
        self._rows: list[tuple[Slot, RosterRow]] = []

    def rows(self) -> list[RosterRow] | None:
        """The filled slots as roster rows, or None when a slot cannot even be read (its error is set)."""
        people = {str(u.pk): u for u in self.people}
        out: list[tuple[Slot, RosterRow]] = []
        ok = True
        for day in self.days:
            for slot in day.slots:
                if not slot.filled:
                    continue
                v = slot.values
                start, end = _time(v["start"]), _time(v["end"])
                if start is None or end is None:
                    slot.errors.append(_("请按“时:分”填写开始和结束时间，如 08:30"))
                    ok = False
                    continue
                user = people.get(v["user"]) if v["user"] else None
                if v["user"] and user is None:
                    slot.errors.append(_("请选择本单位的账号"))
                    ok = False
                    continue
                if user is not None:  # an account chosen alone brings its name and phone
                    v["name"] = v["name"] or user.full_name or user.get_username()
                    v["phone"] = v["phone"] or getattr(user, "phone", "") or ""
                phone = self.originals.get((v["name"], v["phone"]), v["phone"]) if "*" in v["phone"] else v["phone"]
                out.append((slot, RosterRow(day=day.day, role=slot.role, name=v["name"][:MAX_NAME + 1],
                                            phone=phone, start=start, end=end,
                                            shift=v["shift"][:MAX_SHIFT_LABEL + 1], user=user)))
        self._rows = out
        return [r for _slot, r in out] if ok else None

    def refuse(self, exc: ValidationError) -> None:
        """Put the service's refusals at the slots they are about (`rows.<i>…`), the rest above the grid."""
        if not hasattr(exc, "error_dict"):
            self.errors += exc.messages
            return
        for key, messages in exc.message_dict.items():
            parts = key.split(".")
            if parts[0] == "rows" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(self._rows):
                self._rows[int(parts[1])][0].errors += messages
            else:
                self.errors += messages

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(s.errors for d in self.days for s in d.slots)


class DutyImportForm(forms.Form):
    week = forms.DateField(label=gettext_lazy("值班周的第一天"), widget=forms.DateInput(attrs={"type": "date"}),
                           help_text=gettext_lazy("文件中的日期须在这一天起的 7 天之内"))
    file = forms.FileField(label=gettext_lazy("Excel 文件（.xlsx）"))
