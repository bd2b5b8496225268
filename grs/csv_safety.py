"""Text that goes into a CSV or XLSX download is kept as text, never run as a formula.

An office's name, a category or any other text typed into GRS can start with ``=``, ``+``, ``-`` or ``@``
(``=HYPERLINK("http://…","Click")``, ``=cmd|' /C calc'!A0``): a spreadsheet that opens the file would run it
as a formula, and a formula can send the sheet's data away or start a program. Following OWASP's advice on
CSV injection, such text gets a leading apostrophe in CSV files; in XLSX files it is written as a string
cell with Excel's own quote prefix (the apostrophe a user types before ``=`` to keep it as text), so the
sheet shows the text as it was typed and never evaluates it. Numbers are written as numbers and are never
touched: a genuine -3 stays a number.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip leading blanks before deciding that a cell is a formula.
_BLANKS = " \t\r\n\u00a0"


def formula_like(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (or as the start of one)?"""
    if text.startswith(("\t", "\r")):
        return True
    return text.lstrip(_BLANKS).startswith(TRIGGERS)


def csv_text(text: str) -> str:
    """``text`` as a CSV cell: with a leading apostrophe when a spreadsheet would take it for a formula."""
    return "'" + text if formula_like(text) else text


def keep_as_text(cell) -> None:
    """An openpyxl cell that holds a string stays a string: openpyxl makes any string that starts with
    ``=`` a formula. A formula-like string also gets the quote prefix, so editing it keeps it text."""
    if not isinstance(cell.value, str):
        return
    cell.data_type = "s"
    if formula_like(cell.value):
        cell.quotePrefix = True


def append_as_text(sheet, values) -> None:
    """``sheet.append(values)``, with every string cell of the new row kept as text."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        keep_as_text(cell)
