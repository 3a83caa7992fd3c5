"""Every pick of a draw, winners and alternates alike, is uniform over the ballots.

The first pick alone (test_draws.py) cannot see a bias that only shows in the later picks,
nor a small one: this test looks at all eleven picks of 4,000 draws of 40 ballots.
"""

import hashlib

from lottery import draws

BALLOTS = 40  # 256 % 40 = 16: an 8-bit modulo favours the first 16 serials
WINNERS, ALTERNATES = 1, 10
DRAWS = 4_000
CRITICAL = 72.055  # chi-square, 39 degrees of freedom, alpha = 0.001 (upper tail)
TEXTS = [f"{n}-{n + 1}-{n + 2}-{n + 3}-{n + 4}" for n in range(1, BALLOTS + 1)]  # all distinct


def materials():
    """A fixed sequence of draw materials (deterministic, as the spec computes them)."""
    root = draws.merkle_root([draws.leaf_hash(f"ballot-{k}", t) for k, t in enumerate(TEXTS)])
    for k in range(DRAWS):
        seed = hashlib.sha256(f"seed-{k}".encode()).digest()
        yield draws.draw_material(
            seed=seed, game="daily", date="2026-01-10", count=BALLOTS, root=root
        )


def drawn_serials(material: bytes) -> list[int]:
    outcome = draws.select_results(
        material=material,
        count=BALLOTS,
        distinct=BALLOTS,
        tie_rule=draws.TIE_FIRST,
        winners=WINNERS,
        alternates=ALTERNATES,
        numbers_at=lambda serial: TEXTS[serial - 1],
        serials_with=lambda numbers: [TEXTS.index(numbers) + 1],
    )
    return [s for result in (*outcome.winners, *outcome.alternates) for s in result.serials]


def byte_modulo_serials(material: bytes) -> list[int]:
    """The biased picker this test must catch: one byte of the hash, modulo the count."""
    seen: list[int] = []
    j = 0
    while len(seen) < WINNERS + ALTERNATES:
        byte = hashlib.sha256(material + j.to_bytes(8, "big")).digest()[0]
        j += 1
        if byte % BALLOTS + 1 not in seen:
            seen.append(byte % BALLOTS + 1)
    return seen


def chi_square(draw_serials) -> tuple[float, list[int]]:
    observed = [0] * BALLOTS
    for material in materials():
        for serial in draw_serials(material):
            observed[serial - 1] += 1
    expected = sum(observed) / BALLOTS
    return sum((o - expected) ** 2 / expected for o in observed), observed


def test_all_picks_of_a_draw_are_uniform_over_the_ballots():
    """Pearson's chi-square over the 44,000 picks (11 per draw) of 4,000 draws, alpha 0.001.

    Power: an 8-bit modulo bias over 40 ballots gives 16 serials p = 7/256 and 24 serials
    p = 6/256 (a difference of 1/256; p0 = 1/40). Noncentrality per biased pick
    sum((p - p0)^2 / p0) = 0.005859. Later picks of a draw are less biased (a repeat is
    drawn again, which spreads the excess), so count only the first pick of each draw as
    fully biased: lambda >= 4,000 x 0.005859 = 23 from first picks alone, and 44,000 x 0.005859
    = 258 if every pick were. The control below measures the real one: its statistic is 204,
    lambda about 165, which with 39 degrees of freedom and critical value 72.055 gives power
    above 0.99999 by Patnaik's approximation (power 0.99 needs lambda 80). Picks within a
    draw are distinct (drawn without replacement), which lowers the statistic's null
    variance by (40 - 11) / (40 - 1): the test is conservative, never more likely than
    alpha to fail by chance.
    """
    chi2, observed = chi_square(drawn_serials)
    assert sum(observed) == DRAWS * (WINNERS + ALTERNATES)
    assert chi2 < CRITICAL, (chi2, observed)


def test_the_same_statistic_rejects_an_8_bit_modulo_picker():
    chi2, observed = chi_square(byte_modulo_serials)
    assert chi2 > CRITICAL, (chi2, observed)
    assert sum(observed[:16]) / 16 > sum(observed[16:]) / 24  # the favoured serials
