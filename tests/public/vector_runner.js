// Runs lottery/static/lottery/verify.js (LV) over tests/public/draw_vectors.json (V) and
// returns what it computes, in the fixture's shapes. One expression, evaluated as is by node
// (tests/public/run_vectors.js) and by Chromium (page.evaluate), so both run the same code.
(async (LV, V) => {
  const hex = LV.toHex;
  const bytes = LV.fromHex;
  const out = { leaves: [], merkle: [], commitment: [], material: [], picks: [], outcomes: [], draws: [], inclusion: [] };
  for (const c of V.leaves) out.leaves.push(hex(await LV.leafHash(c.ballot, c.numbers)));
  for (const c of V.merkle) {
    const leaves = c.leaves.map(bytes);
    const root = hex(await LV.merkleRoot(leaves));
    const fromPaths = [];
    for (const [i, path] of c.paths.entries()) {
      fromPaths.push(hex(await LV.rootFromPath(leaves[i], i, leaves.length, path.map(bytes))));
    }
    out.merkle.push({ root, fromPaths });
  }
  for (const c of V.commitment) out.commitment.push(hex(await LV.commitment(bytes(c.seed))));
  for (const c of V.material) {
    const m = await LV.drawMaterial({ seed: bytes(c.seed), game: c.game, date: c.date, count: c.count, root: bytes(c.root), beacon: c.beacon });
    out.material.push(hex(m));
  }
  for (const c of V.picks) {
    const got = [];
    for await (const i of LV.picks(bytes(c.material), BigInt(c.count))) {
      got.push(i.toString());
      if (got.length >= c.picks.length) break;
    }
    out.picks.push(got);
  }
  for (const c of V.outcomes) {
    const r = await LV.outcomeFromLeaves({ leaves: c.leaves, seed: bytes(c.seed), game: c.game, date: c.date, tieRule: c.tie_rule, winners: c.winners, alternates: c.alternates, beacon: c.beacon });
    out.outcomes.push({ root: hex(r.root), material: hex(r.material), winners: r.outcome.winners, alternates: r.outcome.alternates });
  }
  for (const c of V.draws) out.draws.push(await LV.runChecks(c.draw, c.leaves));
  for (const c of V.inclusion) {
    const checks = await LV.inclusionChecks({ ballot: c.ballot, numbers: c.numbers, proof: c.proof, publishedRoot: c.root });
    out.inclusion.push(checks.every(([ok]) => ok));
  }
  return out;
})
