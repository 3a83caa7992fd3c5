"""model-bakery recipes: a ballot always has valid numbers and a real play instant."""

from itertools import count

from django.utils import timezone
from model_bakery.recipe import Recipe

from lottery import draws
from lottery.models import Ballot

_sequence = count()


def _numbers() -> str:
    """Distinct, in range, and different from one ballot to the next."""
    n = next(_sequence)
    return draws.numbers_text(1 + (n + k * 7) % 50 for k in range(5))


ballot = Recipe(Ballot, numbers=_numbers, created_at=timezone.now)
