"""English as Bangladesh writes it: the day before the month, a 24-hour clock in dates with a time."""

DATE_FORMAT = "j M Y"  # 29 Nov 2026
SHORT_DATE_FORMAT = "d/m/Y"  # 29/11/2026
DATETIME_FORMAT = "j M Y, H:i"  # 29 Nov 2026, 14:05
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 29/11/2026 14:05
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 29 November

# What a date typed into a form may look like: day first; ISO dates (what <input type="date"> sends)
# are always accepted as well.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%y %H:%M"]
