"""Commission: the pure rule engine that turns audited photos into payout statements.

No database, no HTTP, no clock. The caller builds ``AuditedPhoto`` records, loads rule sets
(``load_rule_set``/``read_rule_set``), passes earlier ``PayoutLine``s, and stores what comes
back: ``evaluate`` gives one ``Statement`` per rep and currency, ``simulate`` the per-rep
difference a draft rule set would make. Modules:

- ``records``: the inputs (photos, criteria, review decisions);
- ``rules``: rule-set models and their validation; ``loader``: YAML/JSON in and out;
- ``versions``: versions of one rule set and the one in force on a day;
- ``fields``: the one resolver rules read photos through; ``standing``: paid, held or not;
- ``pricing`` and ``visits``: per-photo and per-visit lines; ``limits``: caps and budgets;
- ``settlement``: releases, clawbacks and late penalties for earlier photos;
- ``lines`` and ``statement``: the output and its CSV; ``periods``: half-open UTC periods.
"""

from shelfaudit.commission.evaluate import evaluate
from shelfaudit.commission.lines import LineKind, PayoutLine
from shelfaudit.commission.loader import dump_rule_set, load_rule_set, read_rule_set
from shelfaudit.commission.periods import Cadence, Period
from shelfaudit.commission.records import AuditedPhoto, CriterionResult, Decision, Review
from shelfaudit.commission.rules import RuleSet
from shelfaudit.commission.simulate import LineChange, RepDiff, simulate
from shelfaudit.commission.statement import Statement, statements_csv
from shelfaudit.commission.versions import check_versions

__all__ = [
    "AuditedPhoto",
    "Cadence",
    "CriterionResult",
    "Decision",
    "LineChange",
    "LineKind",
    "PayoutLine",
    "Period",
    "RepDiff",
    "Review",
    "RuleSet",
    "Statement",
    "check_versions",
    "dump_rule_set",
    "evaluate",
    "load_rule_set",
    "read_rule_set",
    "simulate",
    "statements_csv",
]
