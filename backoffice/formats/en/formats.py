"""Date-time formats of the back office: an audit reads times to the second, in one order.

Django's English default ("March 14, 2025, 9:05 a.m.") drops the seconds; every admin list and
page (audit log, draw timeline, redraw requests) renders datetimes through these.
"""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s"
