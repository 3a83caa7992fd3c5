"""The lottery's models, one module per subject; every model is imported here, where Django
and the migrations (``lottery.models.default_time_zone``...) look for them."""

from lottery.models.audit import AuditAction, AuditEntry
from lottery.models.ballots import Ballot, BallotTally, Pick, PickKind
from lottery.models.draws import Draw, DrawStatus, DrawTree, DrawTreeBlock
from lottery.models.games import Game, TieRule, default_time_zone, validate_time_zone
from lottery.models.redraws import RedrawRequest, RedrawStatus

__all__ = [
    "AuditAction",
    "AuditEntry",
    "Ballot",
    "BallotTally",
    "Draw",
    "DrawStatus",
    "DrawTree",
    "DrawTreeBlock",
    "Game",
    "Pick",
    "PickKind",
    "RedrawRequest",
    "RedrawStatus",
    "TieRule",
    "default_time_zone",
    "validate_time_zone",
]
