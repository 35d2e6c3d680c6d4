"""The directory CSV connector: documented columns, quarantine of bad rows, no e-mails or names landed."""

import datetime as dt

import pytest

from connectors.directory_csv import REQUIRED_COLUMNS, DirectoryCsvExtractor
from connectors.errors import ConfigError
from connectors.privacy import Pseudonymiser

P = Pseudonymiser("k" * 32)
HEADER = ",".join(REQUIRED_COLUMNS)


def write(tmp_path, *lines, header=HEADER):
    path = tmp_path / "directory.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def land(path):
    return list(DirectoryCsvExtractor(path, P, dt.date(2026, 11, 1)).batches(None))


def test_good_rows_are_pseudonymised_and_bad_rows_quarantined_with_a_reason(tmp_path):
    path = write(
        tmp_path,
        "E1,ann@acme.com,Ann Smit,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,",
        "E2,not-an-email,Bo Bos,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,",
        "E3,cy@acme.com,Cy Vos,,Field,sales,Rep,,Amsterdam,2020-01-01,",
        "E4,di@acme.com,Di de Boer,IT,Desk,it,Admin,ann@acme.com,Utrecht,2021-13-01,",
        "E5,ann@acme.com,Ann Smit,Sales,Field,sales,Rep,,Amsterdam,2020-01-01,",
    )
    [batch] = land(path)
    [row] = batch.rows["employees"]
    assert row["person_key"] == P.person_key("ann@acme.com")
    assert row["valid_from"] == dt.date(2026, 11, 1) and row["department"] == "Sales"
    reasons = [r.reason for r in batch.rejects]
    assert reasons == [
        "line 3: email is not an e-mail address",
        "line 4: department is empty",
        "line 5: start_date '2021-13-01' is not an ISO date (YYYY-MM-DD)",
        "line 6: the same person appears twice for the same valid_from",
    ]
    text = repr(batch)
    assert "@acme.com" not in text and "Ann Smit" not in text and "Di de Boer" not in text


def test_history_rows_use_their_own_valid_from(tmp_path):
    path = write(
        tmp_path,
        "E1,ann@acme.com,Ann,Sales,Field,sales,Rep,,A,2020-01-01,,2020-01-01",
        "E1,ann@acme.com,Ann,Marketing,Brand,marketing,Lead,,A,2020-01-01,,2026-06-01",
        header=HEADER + ",valid_from",
    )
    [batch] = land(path)
    assert [(r["department"], r["valid_from"]) for r in batch.rows["employees"]] == [
        ("Sales", dt.date(2020, 1, 1)), ("Marketing", dt.date(2026, 6, 1))]


def test_a_wrong_header_fails_fast_naming_the_file_and_columns(tmp_path):
    path = write(tmp_path, "E1,ann@acme.com", header="employee_id,mail")
    with pytest.raises(ConfigError, match=r"directory.csv: line 1: header lacks column\(s\) email"):
        land(path)


def test_the_same_file_twice_is_skipped(tmp_path):
    path = write(tmp_path, "E1,ann@acme.com,Ann,Sales,Field,sales,Rep,,A,2020-01-01,")
    extractor = DirectoryCsvExtractor(path, P)
    [batch] = list(extractor.batches(None))
    assert list(extractor.batches(batch.state)) == []


def test_an_unchanged_export_that_arrives_again_is_current_as_of_its_new_date(tmp_path):
    """Re-read and unchanged: skipped on the same date, landed again as a snapshot of a later one (the
    configured DIRECTORY_CSV_SNAPSHOT_DATE, else the file's modification date)."""
    import os

    path = write(tmp_path, "E1,ann@acme.com,Ann,Sales,Field,sales,Rep,,A,2020-01-01,")
    first = DirectoryCsvExtractor(path, P, dt.date(2026, 11, 1))
    [batch] = list(first.batches(None))
    assert batch.state["snapshot_date"] == "2026-11-01" and not batch.rows["employees"][0]["valid_from_reported"]
    assert list(first.batches(batch.state)) == []
    [again] = list(DirectoryCsvExtractor(path, P, dt.date(2026, 11, 13)).batches(batch.state))
    assert [r["snapshot_date"] for r in again.rows["employees"]] == [dt.date(2026, 11, 13)]
    arrived = dt.datetime(2026, 11, 25, 6, tzinfo=dt.UTC).timestamp()
    os.utime(path, (arrived, arrived))  # no configured date: the day the file arrived
    [by_mtime] = list(DirectoryCsvExtractor(path, P).batches(again.state))
    assert by_mtime.state["snapshot_date"] == "2026-11-25"
