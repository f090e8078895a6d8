"""Reading uploaded files within limits, before they can cost the server memory or time.

An XLSX or DOCX file is a zip: its entries' declared sizes are checked before anything is
decompressed (a 600 KB workbook can expand to hundreds of megabytes of XML). A CSV's rows are
counted before it is parsed. Rows, columns and cell lengths are checked on what was read, and a
CSV's encoding is detected (Chinese Excel exports are often GBK) and reported.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, SupportsInt, cast

from tools.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Limits:
    max_unzipped_bytes: int = 100 * 1024 * 1024
    max_zip_entries: int = 2000
    max_ratio: int = 200  # decompressed / compressed, per entry
    max_rows: int = 500_000
    max_columns: int = 50
    max_cell_chars: int = 200


def check_zip(data: bytes, name: str, limits: Limits = Limits()) -> None:
    """Refuse a zip-based file whose declared contents are too large, too many or too compressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = z.infolist()
    except zipfile.BadZipFile as e:
        raise DataError(f"{name}: not a valid Office file ({e})") from e
    if len(entries) > limits.max_zip_entries:
        raise DataError(
            f"{name}: {len(entries)} parts inside the file; the limit is {limits.max_zip_entries}"
        )
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise DataError(
            f"{name}: expands to {total / 1e6:,.0f} MB; the limit is {limits.max_unzipped_bytes / 1e6:,.0f} MB"
        )
    for entry in entries:
        if (
            entry.compress_size
            and entry.file_size / entry.compress_size > limits.max_ratio
            and entry.file_size > 1_000_000
        ):
            raise DataError(
                f"{name}: part {entry.filename} expands {entry.file_size // max(entry.compress_size, 1)}-fold; "
                "this looks like a decompression bomb"
            )


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 (with or without BOM), else GB18030 (GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(f"{name}: the text is neither UTF-8 nor GBK/GB18030; save it as UTF-8 CSV")


def _delimiter(text: str) -> str:
    """Comma, tab, semicolon or bar, as the standard library's sniffer reads the first lines (the
    C parser pandas reads 500,000 rows with does not sniff)."""
    head = "\n".join(text[:20_000].splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def read_table_bytes(data: bytes, name: str, limits: Limits = Limits()) -> tuple[pd.DataFrame, str]:
    """A CSV or XLSX upload (its first sheet) as a table of strings, within the limits; returns
    (table, how it was read)."""
    sheets, how = read_sheets_bytes(data, name, limits)
    return sheets[0][1], how


def read_sheets_bytes(
    data: bytes, name: str, limits: Limits = Limits()
) -> tuple[list[tuple[str, pd.DataFrame]], str]:
    """Every sheet of an XLSX upload (a CSV is one sheet named after the file) as tables of
    strings, within the limits; returns ([(sheet name, table)], how it was read)."""
    import pandas as pd  # here: the knowledge loaders use this module's checks without pandas

    excel = name.lower().endswith((".xlsx", ".xlsm"))
    if excel:
        check_zip(data, name, limits)
        try:
            book = pd.read_excel(
                io.BytesIO(data),
                sheet_name=None,
                dtype=str,
                keep_default_na=False,
                nrows=limits.max_rows + 1,
                engine="calamine",
            )
        except Exception as e:  # openpyxl and zipfile raise many classes for bad workbooks
            raise DataError(f"{name}: cannot read as Excel: {type(e).__name__}") from e
        sheets = [(str(sheet), df) for sheet, df in book.items() if not (df.empty and len(df.columns) == 0)]
        if not sheets:
            raise DataError(f"{name}: the workbook has no sheet with a header row")
        how = "xlsx"
    else:
        rows = data.count(b"\n")
        if rows > limits.max_rows + 1:
            raise DataError(f"{name}: about {rows:,} rows; the limit is {limits.max_rows:,} rows per file")
        text, how = decode_text(data, name)
        try:
            df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=_delimiter(text))
        except (pd.errors.ParserError, ValueError, csv.Error) as e:
            raise DataError(f"{name}: cannot read as CSV: {str(e).splitlines()[0][:200]}") from e
        sheets = [(name, df)]
    for sheet, df in sheets:
        where = name if len(sheets) == 1 else f"{name} [{sheet}]"
        if len(df) > limits.max_rows:
            raise DataError(f"{where}: more than {limits.max_rows:,} rows; split the file")
        if len(df.columns) > limits.max_columns:
            raise DataError(f"{where}: {len(df.columns)} columns; the limit is {limits.max_columns}")
        for column in df.columns:
            if len(str(column)) > limits.max_cell_chars:
                raise DataError(f"{where}: a column name is longer than {limits.max_cell_chars} characters")
            lengths = df[column].astype(str).str.len()
            if len(lengths) and int(lengths.max()) > limits.max_cell_chars:
                # idxmax is typed Hashable (any label); these tables have a RangeIndex
                row = int(cast(SupportsInt, lengths.idxmax())) + 2  # 1-based, after the header
                raise DataError(
                    f"{where}: row {row}, column {column}: a value longer than {limits.max_cell_chars} characters"
                )
    return sheets, how
