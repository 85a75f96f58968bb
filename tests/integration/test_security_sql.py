"""SQL uses bound parameters: applicant and agency names full of quotes and SQL round-trip
unchanged through the reporting DB and the letters store, on PostgreSQL and SQLite."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from schemas.cloudevents import Event
from schemas.fields import Applicant
from sinks.base import Envelope
from sinks.db.sink import ReportingSink
from sinks.db.tables import dossiers, letter_dossiers, letters
from sinks.letters.files import LetterFiles
from sinks.letters.sink import LetterSink
from tests.unit.test_letter_sink import at_risk, received

pytestmark = pytest.mark.integration
NAME = "O'Brien \"Bobby\"; DROP TABLE letters; -- Nguyễn Thị Ánh'); DELETE FROM dossiers;--"
AGENCY_NAME = "Sở 'Xây dựng' \\' OR '1'='1"
PHONE = "0905'123\"456"


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request, tmp_path: Path, postgres_url: str):  # noqa: ANN201
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'security.db'}"
        return
    name = f"motcua_sec_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def hostile_received() -> Event:
    event = received()
    data = dataclasses.replace(event.data, handling_agency_name=AGENCY_NAME,
                               procedure_name=NAME,
                               applicant=Applicant(NAME, address=NAME, phone=PHONE))
    return dataclasses.replace(event, data=data)


def test_quotes_round_trip_through_the_reporting_db_and_the_letters_store(database_url,
                                                                          tmp_path) -> None:
    flag = at_risk()
    flag = dataclasses.replace(flag, data=dataclasses.replace(
        flag.data, responsible_agency_name=AGENCY_NAME, procedure_name=NAME))
    batch = [Envelope(hostile_received(), "t", 0, 0), Envelope(flag, "t", 0, 1)]
    reporting = ReportingSink(database_url)
    letter_sink = LetterSink(database_url, LetterFiles(tmp_path / "letters"))
    try:
        for sink in (reporting, letter_sink):
            sink.setup()
            sink.write(batch)
            sink.write(batch)  # redelivery too
        with reporting.engine.connect() as conn:
            [row] = conn.execute(select(dossiers)).all()
            assert (row.procedure_name, row.handling_agency_name) == (NAME, AGENCY_NAME)
            [person] = conn.execute(select(letter_dossiers)).all()
            assert person.applicant["name"] == NAME and person.applicant["phone"] == PHONE
            assert (person.procedure_name, person.handling_agency_name) == (NAME, AGENCY_NAME)
            [letter] = conn.execute(select(letters)).all()
            assert letter.causing_agency_name == AGENCY_NAME
    finally:
        reporting.close()
        letter_sink.close()
