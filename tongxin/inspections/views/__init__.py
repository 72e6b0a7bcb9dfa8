"""Inspection pages, used on site from a phone.

- `inspections:list`: the inspections the user sees, newest first, filtered and paged; the
  user's supervision teams; buttons to start a self-inspection or a supervisory one.
- `inspections:start`: choose kind, unit, checklist (its latest version), campaign and day.
- `inspections:detail`: the answering page — every item a card, saved one at a time through
  `inspections:answer` (a plain POST and redirect to the next item; with htmx just the card is
  swapped); once finished, the read-only record with the ledger entries it produced.
- `inspections:findings` / `inspections:finding` / `inspections:finish`: review the findings
  (edit, merge, drop, 立查立改 with a photo of the fix), then finish.
- `inspections:team-create`: a bureau officer forms a supervision team.

Guarantees: every page needs a login; an inspection is looked up through the user's scope (outside
it: 404); a user who sees it but is neither its inspector nor on its team gets 403 for any write;
every write goes through `services` (files through `core.uploads.store_attachment`, in the same
transaction, so a refused answer keeps no file); bad input comes back as words under the item or
field it concerns, never a 500; a finished inspection is read-only.
"""

from django.urls import path

from tongxin.inspections.views import campaigns
from tongxin.inspections.views.answering import AnswerView, DetailView, ListView, StartView
from tongxin.inspections.views.findings import FindingsView, FindingView, FinishView
from tongxin.inspections.views.teams import TeamCreateView

urlpatterns = [
    path("", ListView.as_view(), name="list"),
    path("new/", StartView.as_view(), name="start"),
    path("teams/new/", TeamCreateView.as_view(), name="team-create"),
    path("<int:pk>/", DetailView.as_view(), name="detail"),
    path("<int:pk>/answer/", AnswerView.as_view(), name="answer"),
    path("<int:pk>/findings/", FindingsView.as_view(), name="findings"),
    path("<int:pk>/findings/<int:finding_id>/", FindingView.as_view(), name="finding"),
    path("<int:pk>/finish/", FinishView.as_view(), name="finish"),
    *campaigns.urlpatterns,
]
