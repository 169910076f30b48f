"""Ranking weights: how much each kind of match adds to a posting's relevance score.

One table to review and tune (like warehouse's ``SEARCH_BOOSTS``); backends read it and hold no
numbers of their own. Within one way of matching a clause (its title, its tags...) the best
weight counts; different ways add up. A posting's score is the sum over the query's clauses,
plus the domain prior.
"""
from typing import TypedDict


class Boosts(TypedDict):
    """The table's keys and kinds, so a misspelt or misplaced weight is a type error."""
    title: int
    section: int
    meta: int
    body: int
    literal: int
    specialty_tag: dict[str, int]
    code_tag: int
    code_range: int
    credential_required: int
    credential_listed: int
    attribute: int
    domain: int
    domain_ambiguous: int
    coding_job: int
    title_phrase: int


SEARCH_BOOSTS: Boosts = {
    # Where a word matched.
    "title": 80,            # plus up to 7 more in a short title (8 - words in the title)
    "section": 40,          # the CPT section or subsection name of a tagged code
    "meta": 30,             # company name, city or state
    "body": 20,             # the description
    "literal": 20,          # extra when the user typed this form of a synonym group ("E/M")
    # A word that names a specialty, by how many specialties the posting is tagged with:
    # a focused posting ranks above one tagged with three.
    "specialty_tag": {"1": 60, "2": 50, "3": 45},
    # A CPT code: tagged on the posting, or inside the code range of a tagged specialty.
    "code_tag": 100,
    "code_range": 60,
    # A credential abbreviation: required by the posting, or only listed as preferred.
    "credential_required": 100,
    "credential_listed": 90,
    # "remote", "contract"...: a word naming the posting's arrangement or employment type.
    "attribute": 60,
    # The domain prior, per level of how plainly a posting is a coding job (1-2); larger when a
    # query word also means something outside coding ("code", "CPC").
    "domain": 10,
    "domain_ambiguous": 30,
    # Every coding-related posting (the classifier's verdict, or an admin's) gets this on top:
    # more than any sum of matches, so an ad that only shares words ranks below every coding job.
    "coding_job": 10_000,
    # Two or more words of the query side by side in the title ("ambulatory surgery center",
    # "credentialing specialist"), per adjacent pair.
    "title_phrase": 150,
}
