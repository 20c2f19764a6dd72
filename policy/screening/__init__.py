"""Content screening (articles 8 and 10): categories of terms, one decision.

A pure library: `parse_categories` validates the admin's category tables,
`load_policy` reads the list files into an immutable `Policy` (one
automaton over every term), and `screen(policy, fields)` returns a
`Decision` with its reasons. No I/O after loading, no HTTP.

With the C helper built (engine "fastpath", the default then), a fast
path (fastpath.py, skeleton.py) proves most clean texts clean in one scan
before the exact path (normalise, automaton, words, exemptions) runs;
it never decides a hit, so decisions are the same with it on or off.
"""

from policy.screening.config import CategoryConfig, parse_categories
from policy.screening.decision import ACTIONS, Decision, Hit
from policy.screening.engine import Policy, Rule, check_policy, load_policy
from policy.screening.errors import PolicyError
from policy.screening.matchers import available_engines
from policy.screening.scanner import screen

__all__ = ["ACTIONS", "CategoryConfig", "Decision", "Hit", "Policy", "PolicyError", "Rule",
           "available_engines", "check_policy", "load_policy", "parse_categories", "screen"]
