"""Generated, deterministic fixture files for the benchmarks, cached by size under ``.data/``.

A data set of N HITs holds 10 assignments on every HIT but the first, the "big HIT", which
holds 200 (Submitted, Approved and Rejected mixed), so ListAssignmentsForHIT pages over 100+
assignments at every size. Every record depends only on its own index, never on the size, and
HIT ``i`` is created ``i`` minutes before HIT 0. So the newest HITs (ListHITs' first pages), the
big HIT's assignments and GetAssignment's answer are the very same bytes at every size: only
the number of other records changes.

    size   HITs      assignments   records
    tiny         1           200         201   (the baseline for per-record memory)
    1k         100         1,190       1,290
    100k    10,000       100,190     110,190   (the "10k HITs x 10 assignments" start-up case)
    1M     100,000     1,000,190   1,100,190   (the "100k HITs + 1M assignments" case)

Files are JSON (``{"HITs": [...], "Assignments": [...]}``), written once and reused; derived
fields (counters, HITTypeId, AutoApprovalTime, HITStatus) are left for mockturk to fill in.
``python benchmarks/dataset.py 1M`` writes one without running a benchmark.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

VERSION = 1  # bump when the generated records change, so cached files are not reused
CACHE_DIR = Path(__file__).resolve().parent / ".data"
SIZES = {"tiny": 1, "1k": 100, "100k": 10_000, "1M": 100_000}  # size name -> HITs

ASSIGNMENTS_PER_HIT = 10
BIG_HIT_ASSIGNMENTS = 200
MAX_ASSIGNMENTS_PER_HIT = 1000  # spacing of assignment numbers, so IDs never collide
WORKERS = 5000
NEWEST_CREATION = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ID_DIGITS = 29

TASKS = [
    # (title, description, keywords, reward, duration s, auto-approval delay s, qualified)
    ("Rate short sentences", "Read five sentences and rate how natural each one sounds.",
     "rating, language, sentences", "0.25", 600, 259200, False),
    ("Transcribe a receipt", "Type the store name, date and total from a photo of a receipt.",
     "transcription, receipt, data entry", "0.10", 300, 86400, False),
    ("Label objects in a street photo", "Draw a box around every car, bicycle and pedestrian.",
     "image, bounding box, labeling", "0.45", 1200, 259200, True),
    ("Short decision-making study (5 minutes)", "Answer a few questions about hypothetical "
     "choices. Academic research, one participation per worker.",
     "survey, research, psychology", "1.00", 1800, 604800, True),
    ("Is this product review positive?", "Read a product review and mark it as positive, "
     "negative or mixed.", "sentiment, reviews, classification", "0.05", 180, 86400, False),
    ("Find the company website", "Search the web for the official website of the company named.",
     "search, web, research", "0.08", 600, 259200, False),
    ("Check a translation (German to English)", "Compare a sentence with its translation and "
     "mark errors.", "translation, german, quality", "0.30", 900, 259200, True),
    ("Write a one-line summary", "Read a paragraph and summarise it in one sentence.",
     "writing, summary", "0.20", 900, 259200, False),
]  # fmt: skip

_STATUSES = ["Submitted"] * 8 + ["Approved"] * 9 + ["Rejected"] * 3


@dataclass(frozen=True)
class DataSet:
    """A generated fixture file and what the benchmark needs to know about it."""

    name: str
    path: Path
    hits: int
    assignments: int
    big_hit_id: str
    sample_assignment_id: str  # a Submitted assignment of the big HIT
    generated_s: float | None  # None when the cached file was reused

    @property
    def records(self) -> int:
        return self.hits + self.assignments


# --- Deterministic values -----------------------------------------------------------------------


def _mix(*numbers: int) -> int:
    """A cheap, deterministic scramble of some integers (no global random state)."""
    value = 0x9E3779B97F4A7C15
    for number in numbers:
        value = ((value ^ number) * 0x100000001B3 + 0x632BE59BD9B4E5) & 0xFFFFFFFFFFFFFFFF
        value ^= value >> 29
    return value


def _base36(number: int, digits: int) -> str:
    chars = []
    for _ in range(digits):
        number, digit = divmod(number, 36)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _scatter_multiplier(digits: int, fraction: float) -> int:
    """A multiplier prime to 36, so that ``n * multiplier % 36**digits`` is a bijection."""
    multiplier = int(36**digits * fraction) | 1
    while multiplier % 3 == 0:
        multiplier += 2
    return multiplier


_HIT_SCATTER = _scatter_multiplier(_ID_DIGITS, 0.6180339887)
_ASSIGNMENT_SCATTER = _scatter_multiplier(_ID_DIGITS, 0.7548776662)
_WORKER_SCATTER = _scatter_multiplier(13, 0.5698402910)


def _scattered(index: int, multiplier: int, digits: int) -> str:
    """Distinct indexes give distinct, random-looking strings of base-36 digits."""
    return _base36(index * multiplier % 36**digits, digits)


def hit_id(hit: int) -> str:
    return "3" + _scattered(hit + 1, _HIT_SCATTER, _ID_DIGITS)


def assignment_id(hit: int, number: int) -> str:
    index = hit * MAX_ASSIGNMENTS_PER_HIT + number + 1
    return "3" + _scattered(index, _ASSIGNMENT_SCATTER, _ID_DIGITS)


def worker_id(hit: int, number: int) -> str:
    """Distinct for the assignments of one HIT (fewer than WORKERS of them)."""
    worker = (hit * 37 + number) % WORKERS
    return "A" + _scattered(worker + 1, _WORKER_SCATTER, 13)


def assignments_of(hit: int) -> int:
    return BIG_HIT_ASSIGNMENTS if hit == 0 else ASSIGNMENTS_PER_HIT


def _iso(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


# --- Records ------------------------------------------------------------------------------------


def hit_record(hit: int) -> dict:
    title, description, keywords, reward, duration, delay, qualified = TASKS[hit % len(TASKS)]
    created = NEWEST_CREATION - timedelta(minutes=hit, seconds=_mix(hit, 1) % 60)
    question = (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://tasks.example.org/'
        f"{keywords.split(',')[0]}?item={hit}&amp;batch={hit // 500}</ExternalURL>"
        "<FrameHeight>600</FrameHeight></ExternalQuestion>"
    )
    record = {
        "HITId": hit_id(hit),
        "CreationTime": _iso(created),
        "Title": title,
        "Description": description,
        "Question": question,
        "Keywords": keywords,
        "MaxAssignments": assignments_of(hit) + hit % 3,
        "Reward": reward,
        "AutoApprovalDelayInSeconds": delay,
        "Expiration": _iso(created + timedelta(days=7)),
        "AssignmentDurationInSeconds": duration,
        "RequesterAnnotation": f"batch-{hit // 500}",
    }
    if qualified:
        record["QualificationRequirements"] = [
            {
                "QualificationTypeId": "000000000000000000L0",
                "Comparator": "GreaterThanOrEqualTo",
                "IntegerValues": [95],
            },
            {
                "QualificationTypeId": "00000000000000000071",
                "Comparator": "EqualTo",
                "LocaleValues": [{"Country": "US"}],
            },
        ]
    return record


def assignment_record(hit: int, number: int) -> dict:
    created = NEWEST_CREATION - timedelta(minutes=hit, seconds=_mix(hit, 1) % 60)
    noise = _mix(hit, number)
    accepted = created + timedelta(seconds=60 + number * 600 + noise % 300)
    submitted = accepted + timedelta(seconds=30 + (noise >> 9) % 900)
    status = _STATUSES[(noise >> 20) % len(_STATUSES)]
    rating = 1 + (noise >> 30) % 5
    answer = (
        '<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.'
        'amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer>'
        f"<QuestionIdentifier>rating</QuestionIdentifier><FreeText>{rating}</FreeText></Answer>"
        "<Answer><QuestionIdentifier>comment</QuestionIdentifier><FreeText>"
        f"Done, item {hit}-{number}.</FreeText></Answer></QuestionFormAnswers>"
    )
    record = {
        "AssignmentId": assignment_id(hit, number),
        "WorkerId": worker_id(hit, number),
        "HITId": hit_id(hit),
        "AssignmentStatus": status,
        "AcceptTime": _iso(accepted),
        "SubmitTime": _iso(submitted),
        "Answer": answer,
    }
    reviewed = _iso(submitted + timedelta(hours=1 + (noise >> 40) % 48))
    if status == "Approved":
        record["ApprovalTime"] = reviewed
    elif status == "Rejected":
        record["RejectionTime"] = reviewed
        record["RequesterFeedback"] = "The answer does not match the item."
    return record


def sample_assignment_number() -> int:
    """The first Submitted assignment of the big HIT (GetAssignment's subject)."""
    return next(
        n
        for n in range(BIG_HIT_ASSIGNMENTS)
        if assignment_record(0, n)["AssignmentStatus"] == "Submitted"
    )


# --- Files --------------------------------------------------------------------------------------


def _json_lines(records: Iterator[dict]) -> Iterator[str]:
    separator = "\n"
    for record in records:
        yield separator + json.dumps(record, separators=(",", ":"))
        separator = ",\n"


def write_fixture(path: Path, hits: int) -> None:
    """Write the data set atomically (a half-written file is never reused)."""
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with partial.open("w") as out:
        out.write('{"HITs":[')
        out.writelines(_json_lines(hit_record(h) for h in range(hits)))
        out.write('\n],"Assignments":[')
        records = (assignment_record(h, n) for h in range(hits) for n in range(assignments_of(h)))
        out.writelines(_json_lines(records))
        out.write("\n]}\n")
    partial.replace(path)


def dataset(name: str, cache_dir: Path = CACHE_DIR) -> DataSet:
    """The named data set, generated into ``cache_dir`` unless already there."""
    hits = SIZES[name]
    path = cache_dir / f"v{VERSION}-{name}.json"
    generated_s = None
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_fixture(path, hits)
        generated_s = time.perf_counter() - started
    return DataSet(
        name=name,
        path=path,
        hits=hits,
        assignments=sum(assignments_of(h) for h in range(hits)),
        big_hit_id=hit_id(0),
        sample_assignment_id=assignment_id(0, sample_assignment_number()),
        generated_s=generated_s,
    )


def main(argv: list[str]) -> int:
    for name in argv or list(SIZES):
        data = dataset(name)
        how = "reused" if data.generated_s is None else f"generated in {data.generated_s:.1f} s"
        size_mb = data.path.stat().st_size / 1e6
        print(
            f"{name}: {data.hits:,} HITs, {data.assignments:,} assignments, "
            f"{size_mb:,.1f} MB, {how}: {data.path}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
