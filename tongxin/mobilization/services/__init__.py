"""Every write of mobilization, one module per part; each write is atomic, audited, and refreshes
the daily roll-up (services.rollup) in its own transaction.

- people: register, update, take on, walk-ups and merging, the roster import
- posts: posts, shifts, assigning (with the double-booking, insurance, skill and age gates), moving
  and cancelling, and the person's notices
- checkin: the post's daily code, check-in and out, the roll, closing forgotten check-outs, flags
- records: service records and their review and corrections, activity reports, certificates
- rollup: the daily roll-up the overview reads
"""

from tongxin.mobilization.services import checkin, people, posts, records, rollup

PARTS = (people, posts, checkin, records, rollup)
