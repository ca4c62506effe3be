"""Bahasa Indonesia: "15 Okt 2025", "15 Okt 2025 14.30"; 1.234,5."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H.i"
TIME_FORMAT = "H.i"
YEAR_MONTH_FORMAT = "M Y"
MONTH_DAY_FORMAT = "j M"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H.i"
FIRST_DAY_OF_WEEK = 1  # Monday

# ISO first: a date input's value and what it submits. Day-first forms are still read; month-first ones are not
# (03/04/2025 is 3 April here, never 4 March).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d-%m-%Y %H.%M",
    "%d-%m-%Y %H:%M",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H.%M", "%H.%M.%S"]

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
