"""Pages of the open classroom, one module per noun (thin: parse, call a selector or
service, render). ``urls.py`` names the module of each page.

* ``calendar``        — the network calendar (week / month / list; the grid is ``selectors.calendar_grid``)
* ``classes``         — class list, class pages and the schedule builder
* ``sessions``        — one session's page and its edits
* ``signups``         — sign-up, cancellation, my sign-ups, approvals
* ``checkins``        — the QR code and what a phone opens from it, check-in
* ``evaluations``     — 评课 from the QR page, the ratings of a session
* ``attendance``      — attendance of a school's teachers and its xlsx export
* ``calendar_tokens`` — private iCal feeds
"""
