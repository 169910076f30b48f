"""Pay transparency: the US laws that require a pay range in job postings, and which covers a posting.

The rules are data (``data/pay_transparency.csv``: jurisdiction, law, effective date, smallest
employer covered, source, how sure we are of the facts). A posting is covered by the rules of its
city and its state in effect on the day it is published. A **remote** posting can be taken up from
any state, and the state laws (Colorado's first among them) cover remote jobs that could be done
there, so a remote posting is covered by every state-wide rule in effect: the one named is its own
state's when that state has one, else the oldest. Employer size is not known to the board, so the
smallest-employer threshold is shown but not used to excuse a posting.
"""
import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "pay_transparency.csv"


@dataclass(frozen=True)
class PayRule:
    key: str
    jurisdiction: str
    state: str
    cities: tuple[str, ...]      # lower-case city names the rule covers; empty: the whole state
    law: str
    effective: date
    min_employees: int
    source: str
    confidence: str

    @property
    def statewide(self) -> bool:
        return not self.cities

    def message(self) -> str:
        """What the posting form and the importer say beside the pay fields."""
        return (f"{self.jurisdiction} requires a pay range in job postings ({self.law}, in effect since "
                f"{self.effective:%B} {self.effective.day}, {self.effective.year}). Give the pay from and up "
                "to (the same figure twice for a fixed pay) to publish; a draft can be saved without it.")


@lru_cache(maxsize=1)
def load_rules() -> tuple[PayRule, ...]:
    """Every rule, oldest first."""
    with DATA.open(encoding="utf-8", newline="") as fh:
        rules = [PayRule(key=row["key"], jurisdiction=row["jurisdiction"], state=row["state"],
                         cities=tuple(c.strip().lower() for c in row["cities"].split(";") if c.strip()),
                         law=row["law"], effective=date.fromisoformat(row["effective"]),
                         min_employees=int(row["min_employees"]), source=row["source"],
                         confidence=row["confidence"]) for row in csv.DictReader(fh)]
    return tuple(sorted(rules, key=lambda r: (r.effective, r.key)))


def covering_rule(state: str, city: str, arrangement: str, on: date) -> PayRule | None:
    """The rule that makes a posting at this place (or remote) on ``on`` need a pay range."""
    state, city = (state or "").upper(), " ".join((city or "").lower().split())
    in_effect = [r for r in load_rules() if r.effective <= on]
    local = [r for r in in_effect if r.state == state and (r.statewide or city in r.cities)]
    if local:
        return min(local, key=lambda r: (not r.statewide, r.effective))
    if arrangement == "remote":
        return next((r for r in in_effect if r.statewide), None)
    return None
