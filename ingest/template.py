"""A workbook to fill in, generated from the contract: one sheet per table, required columns marked,
drop-downs for enums and booleans, a hint on every column, date-formatted date columns, and a
README sheet first (which ingest skips)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ingest.contract import TABLES, Column, Table
from ingest.reader import README_SHEET as README

#: Rows the drop-downs, hints and date formats cover below the header.
ROWS = 2000
REQUIRED = PatternFill("solid", fgColor="FFF2CC")
#: What each column wants, where its name and type do not say enough (Excel shows up to 255 characters).
HINTS = {
    "code": "ISO 3166-1 alpha-3 code, e.g. GBR.",
    "aliases": "Other names people use, separated by ';' (e.g. UK;Britain).",
    "region": "Free text, e.g. Europe.",
    "scheme": "The taxonomy the id belongs to, e.g. MP-2020 or USML.",
    "broader": "Ids of broader technologies, separated by ';' (the taxonomy may have several parents).",
    "maps_to": "Ids of equivalent technologies in another scheme, separated by ';'.",
    "priority": "1 (low) to 3 (high); leave empty when not a priority.",
    "parent": "The id of the parent (a forum's parent forum, an agreement's framework).",
    "covers": "Technology ids the forum covers, separated by ';'.",
    "forum": "A forum id (see the forums sheet or the shipped reference data).",
    "nation": "A nation: alpha-3 code (GBR), alpha-2 (GB), ISO name or a known alias.",
    "parties": "Nations party to it, separated by ';' (codes, names or aliases).",
    "nations": "Nations, separated by ';' (codes, names or aliases).",
    "technologies": "Technology ids, separated by ';'.",
    "lead_component": "The id of the component that leads it (see components).",
    "depth": "1 (information exchange) to 5 (joint development).",
    "deliberate_redundancy": "true when the overlap with another agreement is intended.",
    "agreement": "An agreement id.",
    "contribution": "What this party contributes (free text).",
    "benefit": "What this party receives (free text).",
    "contribution_value": "What this party contributes, as a number >= 0 (one unit within an agreement).",
    "benefit_value": "What this party receives, as a number >= 0 (the same unit as its contribution).",
    "citation": "The legal or policy citation, e.g. 22 CFR 126.1(d).",
    "overrides": "Restriction ids this exemption overrides, separated by ';'.",
    "excludes": "Technology ids this exemption does not cover, separated by ';'.",
    "review_by": "The day after which this fact must be checked again.",
    "source": "Where this row comes from: document, date, author.",
    "component": "A component id.",
    "technology": "A technology id.",
    "programs": "0 to 3: how many programs need it.",
    "strength": "1 to 3: how strong the nation is in it.",
}


def hint(table: Table, col: Column) -> str:
    """The input message of one column."""
    text = HINTS.get(col.name, "")
    if col.type == "date":
        text = (text + " " if text else "") + "A date, YYYY-MM-DD."
    if col.choices:
        text = f"One of: {', '.join(col.choices)}."
    if col.type == "bool":
        text = (text + " " if text else "") + "true or false."
    if col.type == "int" and col.lo is not None and col.name not in HINTS:
        text = f"A whole number from {col.lo} to {col.hi}."
    if col.name == "id" and not text:
        text = f"A unique id for this {table.name[:-1]} (letters, digits, '-')."
    if col.name in ("name", "title") and not text:
        text = "The name people use."
    prefix = "Required. " if col.required else "Optional. "
    return (prefix + text).strip()[:255]


def _column(sheet: Worksheet, table: Table, index: int, col: Column) -> None:
    """Header cell, hint, drop-down and number format of one column."""
    letter = get_column_letter(index)
    cell = sheet.cell(row=1, column=index, value=col.name)
    cell.font = Font(bold=col.required)
    if col.required:
        cell.fill = REQUIRED
    cell.comment = Comment(hint(table, col), "stkg")
    area = f"{letter}2:{letter}{ROWS + 1}"
    choices = col.choices or (("true", "false") if col.type == "bool" else ())
    if choices:
        rule = DataValidation(
            type="list", formula1='"' + ",".join(choices) + '"', allow_blank=not col.required
        )
        rule.error, rule.errorTitle = f"Choose one of: {', '.join(choices)}", col.name
    elif col.type == "date":
        rule = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
        rule.error, rule.errorTitle = "A date, YYYY-MM-DD", col.name
        sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    elif col.type == "number":
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        rule.error, rule.errorTitle = "A number, 0 or more", col.name
    elif col.type == "int" and col.lo is not None:
        rule = DataValidation(type="whole", operator="between", formula1=str(col.lo), formula2=str(col.hi))
        rule.error, rule.errorTitle = f"A whole number from {col.lo} to {col.hi}", col.name
    else:
        rule = DataValidation(allow_blank=True)
    rule.prompt, rule.promptTitle, rule.showInputMessage = hint(table, col), col.name[:32], True
    rule.showErrorMessage = bool(choices) or col.type in ("date", "int", "number")
    rule.add(area)
    sheet.add_data_validation(rule)
    sheet.column_dimensions[letter].width = max(12, min(40, len(col.name) + 4))


def _readme(sheet: Worksheet) -> None:
    """How to fill the workbook in and how to ingest it."""
    lines = [
        "stkg ingest template",
        "",
        "Each sheet is one table of the ingest contract; its first row holds the column names.",
        "Keep the column names and sheet names as they are.",
        "Bold columns with a yellow header are required; the others may stay empty.",
        "Select a cell to see what its column wants; enums and booleans have drop-downs.",
        "Dates are YYYY-MM-DD (or a date the spreadsheet recognises).",
        "Lists (parties, technologies, nations, broader, ...) are separated by ';'.",
        "Nations may be alpha-3 codes (GBR), alpha-2 (GB), ISO names or known aliases (UK).",
        "Leave a sheet empty (header only) when you have nothing for it; delete no sheet names you keep.",
        "Do not merge cells and do not leave formulas without values (paste values).",
        "",
        "To load it:   stkg ingest book.xlsx --dry-run   (shows what would change, writes nothing)",
        "then:         stkg ingest book.xlsx",
        "or upload it on the Upload page of `stkg serve` (admins): it shows the same preview first.",
        "Every problem is reported as file#sheet:row:column: message;",
        "nothing is written until all are fixed.",
        "This README sheet is skipped by ingest.",
    ]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 120


def write_template(out: Path) -> list[str]:
    """Write the template workbook; returns its sheet names."""
    book = Workbook()
    readme = book.active
    readme.title = README  # type: ignore[union-attr]
    _readme(readme)  # type: ignore[arg-type]
    for table in TABLES:
        sheet = book.create_sheet(table.name)
        for index, col in enumerate(table.columns, 1):
            _column(sheet, table, index, col)
        sheet.freeze_panes = "A2"
    book.save(out)
    return book.sheetnames
