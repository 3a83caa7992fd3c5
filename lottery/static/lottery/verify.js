/*
 * In-browser verifier of a published draw (SPEC section 2), the twin of lottery/verify.py.
 *
 * WebCrypto SHA-256 and HMAC-SHA256, BigInt for the picks; no framework, nothing loaded
 * from elsewhere. Each check's message is the one lottery/verify.py prints, so the two can
 * be compared line by line (tests/public/draw_vectors.json holds both).
 */
"use strict";
(function (root) {
  const subtle = root.crypto.subtle;
  const utf8 = new TextEncoder();
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const TWO_256 = 1n << 256n;
  const MAX_PAGES = 100000;

  // ---- bytes -----------------------------------------------------------------------------

  function toHex(bytes) {
    let out = "";
    for (const b of bytes) out += b.toString(16).padStart(2, "0");
    return out;
  }

  function fromHex(text) {
    if (typeof text !== "string" || text.length % 2 || /[^0-9a-fA-F]/.test(text)) {
      throw new TypeError(`not hex: ${String(text).slice(0, 80)}`);
    }
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  // ---- SPEC section 2, steps 1 to 6 --------------------------------------------------------

  /** The canonical numbers text: sorted, decimal, "-" joined ("3-7-12-30-44"). */
  function numbersText(numbers) {
    return Array.from(numbers, Number).sort((a, b) => a - b).join("-");
  }

  /** sha256(0x00 || "{ballot}|{numbers}") (RFC 6962 leaf prefix 0x00). */
  function leafHash(ballot, numbers) {
    return sha256(concat([0], utf8.encode(`${ballot}|${numbers}`)));
  }

  /** sha256(0x01 || left || right) (RFC 6962 section 2.1 interior node). */
  function nodeHash(left, right) {
    return sha256(concat([1], left, right));
  }

  /** Streaming RFC 6962 Merkle Tree Hash in O(log n) memory, as draws.MerkleBuilder. */
  class MerkleBuilder {
    constructor() {
      this.stack = []; // roots of perfect subtrees, largest (leftmost) first
      this.count = 0;
    }

    async add(leaf) {
      let n = this.count;
      let h = leaf;
      while (n % 2 === 1) {
        h = await nodeHash(this.stack.pop(), h);
        n = Math.floor(n / 2);
      }
      this.stack.push(h);
      this.count += 1;
    }

    async root() {
      if (!this.stack.length) return sha256(new Uint8Array(0)); // MTH({}) = SHA-256("")
      let h = this.stack[this.stack.length - 1];
      for (let i = this.stack.length - 2; i >= 0; i--) h = await nodeHash(this.stack[i], h);
      return h;
    }
  }

  // WebCrypto digests are asynchronous: awaited one by one, 100k ballots spend most of their
  // time between digests. Hashes are asked for in batches and awaited together.
  const BATCH = 4096;

  async function inBatches(count, hashAt) {
    const out = new Array(count);
    for (let lo = 0; lo < count; lo += BATCH) {
      const hi = Math.min(count, lo + BATCH);
      const batch = [];
      for (let i = lo; i < hi; i++) batch.push(hashAt(i));
      const done = await Promise.all(batch);
      for (let i = lo; i < hi; i++) out[i] = done[i - lo];
    }
    return out;
  }

  /** The leaf hashes of ({ballot, numbers text}) items, in their order. */
  function leafHashes(items) {
    return inBatches(items.length, (i) => leafHash(items[i].ballot, items[i].numbers));
  }

  /**
   * RFC 6962 Merkle Tree Hash of the leaf hashes, level by level: pairs are hashed and a last
   * odd node moves up unchanged, which builds the same tree as the recursive definition
   * (split at the largest power of two below n) and as MerkleBuilder.
   */
  async function merkleRoot(leaves) {
    let level = Array.from(leaves);
    if (!level.length) return sha256(new Uint8Array(0)); // MTH({}) = SHA-256("")
    while (level.length > 1) {
      const pairs = Math.floor(level.length / 2);
      const up = await inBatches(pairs, (i) => nodeHash(level[2 * i], level[2 * i + 1]));
      if (level.length % 2) up.push(level[level.length - 1]);
      level = up;
    }
    return level[0];
  }

  /** The root from a leaf and its audit path, leaf side first (RFC 9162 section 2.1.3.2). */
  async function rootFromPath(leaf, index, size, path) {
    if (!(index >= 0 && index < size)) {
      throw new RangeError(`leaf index ${index} out of range for a tree of ${size} leaves`);
    }
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of path) {
      if (sn === 0) throw new RangeError("audit path too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new RangeError("audit path too short");
    return r;
  }

  function commitment(seed) {
    return sha256(seed);
  }

  /** HMAC-SHA256(key = seed, msg = "{game}|{date}|{count}|{root_hex}|{beacon}"). */
  async function drawMaterial({ seed, game, date, count, root: treeRoot, beacon = "" }) {
    const key = await subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const message = `${game}|${date}|${count}|${toHex(treeRoot)}|${beacon}`;
    return new Uint8Array(await subtle.sign("HMAC", key, utf8.encode(message)));
  }

  /**
   * The distinct indices in [0, count) in draw order (step 5): x = sha256(material ||
   * uint64_be(j)) as a big-endian integer, rejected when x >= 2**256 - (2**256 % count).
   * count may be a Number or a BigInt; indices come back of the same type.
   */
  async function* picks(material, count) {
    const big = typeof count === "bigint";
    const n = BigInt(count);
    if (n < 0n) throw new RangeError("count must be >= 0");
    if (n === 0n) return;
    const limit = TWO_256 - (TWO_256 % n);
    const seen = new Set();
    const input = new Uint8Array(material.length + 8);
    input.set(material);
    const view = new DataView(input.buffer);
    let left = n;
    for (let j = 0n; left > 0n; j++) {
      view.setBigUint64(material.length, j); // big-endian by default
      const x = BigInt(`0x${toHex(await sha256(input))}`);
      if (x >= limit) continue;
      const i = x % n;
      if (seen.has(i)) continue;
      seen.add(i);
      left -= 1n;
      yield big ? i : Number(i);
    }
  }

  /** Map picks to results (step 6) until min(winners + alternates, distinct) are chosen. */
  async function selectResults({
    material,
    count,
    distinct,
    tieRule,
    winners,
    alternates,
    numbersAt,
    serialsWith,
  }) {
    if (tieRule !== "first" && tieRule !== "share") {
      throw new RangeError(`unknown tie rule '${tieRule}'`);
    }
    if (winners < 0 || alternates < 0) throw new RangeError("winners and alternates must be >= 0");
    const wanted = Math.min(winners + alternates, distinct);
    const chosen = [];
    const used = new Set();
    if (wanted > 0) {
      for await (const i of picks(material, count)) {
        const numbers = numbersAt(i + 1);
        if (used.has(numbers)) continue; // a result already chosen is skipped
        used.add(numbers);
        const serials = [...serialsWith(numbers)].sort((a, b) => a - b);
        chosen.push([tieRule === "first" ? serials.slice(0, 1) : serials, numbers]);
        if (chosen.length >= wanted) break;
      }
    }
    const ranked = (list) => list.map(([serials, numbers], k) => ({ rank: k + 1, serials, numbers }));
    return { winners: ranked(chosen.slice(0, winners)), alternates: ranked(chosen.slice(winners)) };
  }

  /** The whole draw from its leaves ({serial, ballot, numbers text}, serial order). */
  async function outcomeFromLeaves({
    leaves,
    seed,
    game,
    date,
    tieRule,
    winners,
    alternates,
    beacon = "",
    root: knownRoot = null, // the root of these very leaves, when the caller just computed it
  }) {
    const byNumbers = new Map();
    for (const [k, leaf] of leaves.entries()) {
      if (leaf.serial !== k + 1) throw new RangeError("leaves must be given in serial order 1..N");
      if (!byNumbers.has(leaf.numbers)) byNumbers.set(leaf.numbers, []);
      byNumbers.get(leaf.numbers).push(leaf.serial);
    }
    const treeRoot = knownRoot || (await merkleRoot(await leafHashes(leaves)));
    const count = leaves.length;
    if (count === 0) {
      return { root: treeRoot, material: new Uint8Array(0), outcome: { winners: [], alternates: [] } };
    }
    const material = await drawMaterial({ seed, game, date, count, root: treeRoot, beacon });
    const outcome = await selectResults({
      material,
      count,
      distinct: byNumbers.size,
      tieRule,
      winners,
      alternates,
      numbersAt: (serial) => leaves[serial - 1].numbers,
      serialsWith: (numbers) => byNumbers.get(numbers),
    });
    return { root: treeRoot, material, outcome };
  }

  // ---- the checks, message for message as lottery/verify.py --------------------------------

  /** Python's str() of the few values verify.py puts in its messages. */
  function py(value) {
    if (value === null || value === undefined) return "None";
    if (typeof value === "string") return `'${value}'`;
    if (Array.isArray(value)) return `[${value.map(py).join(", ")}]`;
    if (value instanceof Tuple) {
      const items = value.items.map(py);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    }
    return String(value);
  }

  class Tuple {
    constructor(...items) {
      this.items = items;
    }
  }

  const same = (a, b) => py(a) === py(b);
  const text = (value) => (value === null || value === undefined ? "None" : String(value));

  /** Published entries grouped by rank into (rank, serials, numbers text) results. */
  function publishedResults(entries) {
    const byRank = new Map();
    for (const entry of entries) {
      const rank = Number(entry.rank);
      if (!byRank.has(rank)) byRank.set(rank, [[], new Set()]);
      const [serials, numbers] = byRank.get(rank);
      serials.push(Number(entry.serial));
      numbers.add(numbersText(entry.numbers));
    }
    return [...byRank.keys()]
      .sort((a, b) => a - b)
      .map((rank) => {
        const [serials, numbers] = byRank.get(rank);
        const sorted = [...serials].sort((a, b) => a - b);
        return new Tuple(rank, new Tuple(...sorted), [...numbers].sort().join("/"));
      });
  }

  /** (microseconds since the epoch) of an ISO 8601 instant, exactly (Date keeps only ms). */
  function instant(value) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?$/.exec(value);
    if (!m) throw new TypeError(`Invalid isoformat string: '${value}'`);
    const ms = Date.parse(`${m[1]}${m[3] || "Z"}`);
    if (Number.isNaN(ms)) throw new TypeError(`Invalid isoformat string: '${value}'`);
    return BigInt(ms) * 1000n + BigInt((m[2] || "").padEnd(6, "0"));
  }

  async function leafChecks(draw, leaves, check) {
    const n = leaves.length;
    const count = draw.ballots_count;
    if (n === 0) {
      // Nothing to number, hash or order: only the empty tree's root is left to check.
      check(!count, "no ballots, as ballots_count says", `no leaves, ballots_count ${text(count)}`);
      return rootCheck(draw, await merkleRoot([]), check);
    }
    check(n === count, `${n} leaves, as ballots_count says`, `${n} leaves, ballots_count ${text(count)}`);
    let bad = leaves.findIndex((item, k) => item.serial !== k + 1);
    bad = bad < 0 ? null : bad + 1;
    check(bad === null, `serials are 1..${n} in order`, `serials not 1..${n} at position ${bad}`);
    const hashes = await leafHashes(leaves.map((item) => ({ ballot: item.ballot, numbers: numbersText(item.numbers) })));
    let badLeaf = null;
    let badId = null;
    for (const [k, item] of leaves.entries()) {
      if (badLeaf === null && toHex(hashes[k]) !== item.leaf.toLowerCase()) badLeaf = k + 1;
      if (badId === null && !UUID.test(item.ballot)) badId = k + 1;
    }
    check(badId === null, "ballot ids are lowercase uuids", `ballot id of serial ${badId} is not canonical`);
    check(badLeaf === null, "every leaf hash matches", `leaf of serial ${badLeaf} does not match its ballot`);
    const keys = leaves.map((item) => [instant(item.created_at), item.ballot]);
    const after = (a, b) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
    bad = null;
    for (let pos = 2; pos <= n && bad === null; pos++) if (after(keys[pos - 2], keys[pos - 1])) bad = pos;
    const why = `ballot order broken: serial ${bad} sorts before serial ${(bad || 0) - 1}`;
    check(bad === null, "ballots are ordered by (created_at, ballot)", why);
    return rootCheck(draw, await merkleRoot(hashes), check);
  }

  /** Check the recomputed root against the published one; return it. */
  function rootCheck(draw, treeRoot, check) {
    const computed = toHex(treeRoot);
    const published = draw.merkle_root;
    check(computed === published.toLowerCase(), `merkle root ${computed}`, `merkle root is ${computed}, not ${published}`);
    return treeRoot;
  }

  async function checksOf(draw, leaves) {
    const out = [];
    const check = (ok, good, bad) => out.push([Boolean(ok), ok ? good : bad]);
    const status = draw.status;
    const commit = draw.commitment.toLowerCase();
    const seedHex = draw.seed ?? null;
    if (seedHex === null) {
      const why = `seed not revealed although the status is ${status}`;
      check(status !== "drawn" && status !== "no_entries", `commitment ${commit} published`, why);
    } else {
      const ok = toHex(await commitment(fromHex(seedHex))) === commit;
      check(ok, `seed hashes to the commitment ${commit}`, `seed does not hash to the commitment ${commit}`);
    }
    if (status === "open" || status === "closed") return [...out, [false, `draw not drawn yet (status ${status})`]];
    if (!["drawn", "no_entries", "void"].includes(status)) return [...out, [false, `unknown status ${py(status)}`]];
    let treeRoot = null;
    if (draw.merkle_root !== null && draw.merkle_root !== undefined) treeRoot = await leafChecks(draw, leaves, check);
    else if (status !== "void") check(false, "", `merkle_root not published although the status is ${status}`);
    if (status === "void") return [...out, [false, "draw is void: there is no result to verify"]];
    if (status === "no_entries") {
      check(!leaves.length && !draw.ballots_count, "no ballots", "no_entries with ballots");
      check(!draw.winners.length && !draw.alternates.length, "no winners", "no_entries winners");
      return out;
    }
    const items = leaves.map((item, k) => ({ serial: k + 1, ballot: item.ballot, numbers: numbersText(item.numbers) }));
    const { material, outcome } = await outcomeFromLeaves({
      leaves: items,
      seed: fromHex(seedHex || ""),
      game: draw.game,
      date: draw.date,
      tieRule: draw.tie_rule,
      winners: Number(draw.winners_per_draw),
      alternates: Number(draw.alternates_per_draw),
      beacon: draw.beacon || "",
      root: treeRoot,
    });
    const publishedMaterial = text(draw.material);
    check(
      toHex(material) === publishedMaterial.toLowerCase(),
      `material ${toHex(material)}`,
      `material is ${toHex(material)}, not ${publishedMaterial}`,
    );
    const ballots = new Map(items.map((item) => [item.serial, item.ballot]));
    for (const name of ["winners", "alternates"]) {
      const computed = outcome[name].map((r) => new Tuple(r.rank, new Tuple(...r.serials), r.numbers));
      const published = publishedResults(draw[name]);
      const why = `${name} differ: recomputed ${py(computed)}, published ${py(published)}`;
      check(same(published, computed), `${name} (rank, serials, numbers) ${py(computed)}`, why);
      const wrong = draw[name].filter((e) => ballots.get(e.serial) !== e.ballot).map((e) => e.serial);
      check(!wrong.length, `${name} ballot ids match`, `${name} ballot ids wrong at serials ${py(wrong)}`);
    }
    // A redraw promotes the next alternate each time a winning result is fully disqualified.
    const lost = new Map();
    for (const name of ["winners", "alternates"]) {
      for (const entry of draw[name]) {
        if (name === "alternates" && !entry.promoted) continue;
        const key = `${name}:${entry.rank}`;
        lost.set(key, (lost.has(key) ? lost.get(key) : true) && Boolean(entry.disqualified));
      }
    }
    const alternateRanks = new Set(draw.alternates.map((e) => e.rank));
    const k = Math.min([...lost.values()].filter(Boolean).length, alternateRanks.size);
    const promoted = new Set(draw.alternates.filter((e) => e.promoted).map((e) => e.rank));
    const kept = new Set(draw.alternates.filter((e) => !e.promoted).map((e) => e.rank));
    const firstK = [...promoted].length === k && [...promoted].every((r) => r >= 1 && r <= k);
    const ok = firstK && ![...promoted].some((r) => kept.has(r));
    const why = `promoted alternates are ranks ${py([...promoted].sort((a, b) => a - b))}, expected the first ${k}`;
    check(ok, `${k} alternate(s) promoted, one per fully disqualified result`, why);
    return out;
  }

  /** Every [ok, message] check; malformed published data is itself a failure. */
  async function runChecks(draw, leaves) {
    try {
      return await checksOf(draw, leaves);
    } catch (error) {
      return [[false, `malformed published data: ${error.name}: ${error.message}`]];
    }
  }

  /** A player's inclusion proof: their ballot's leaf and path lead to the published root. */
  async function inclusionChecks({ ballot, numbers, proof, publishedRoot }) {
    const out = [];
    const check = (ok, good, bad) => out.push([Boolean(ok), ok ? good : bad]);
    try {
      const leaf = toHex(await leafHash(ballot, numbersText(numbers)));
      check(leaf === proof.leaf.toLowerCase(), `your ballot is leaf ${leaf}`, `your ballot hashes to ${leaf}, not the proof's leaf ${proof.leaf}`);
      const path = proof.path.map(fromHex);
      const computed = toHex(await rootFromPath(fromHex(leaf), proof.serial - 1, proof.tree_size, path));
      const published = String(publishedRoot).toLowerCase();
      check(
        computed === published,
        `audit path from serial ${proof.serial} of ${proof.tree_size} leads to the published root ${published}`,
        `audit path leads to ${computed}, not the published root ${published}`,
      );
    } catch (error) {
      check(false, "", `malformed proof: ${error.name}: ${error.message}`);
    }
    return out;
  }

  // ---- fetching ----------------------------------------------------------------------------

  async function fetchJson(url, headers = {}) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "application/json", ...headers } });
    } catch (error) {
      throw new Error(`cannot fetch ${url}: ${error.message}`);
    }
    const body = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url} ${body.slice(0, 300)}`.trim());
    try {
      return JSON.parse(body);
    } catch (error) {
      throw new Error(`invalid JSON from ${url}: ${error.message}`);
    }
  }

  /** Every page of a draw's leaves, following "next" (resolved against its page) to null. */
  async function fetchLeaves(drawUrl, onPage = () => {}) {
    let url = new URL(`${drawUrl}/leaves?limit=1000`, root.location ? root.location.href : undefined).href;
    const seen = new Set();
    const items = [];
    while (url) {
      if (seen.has(url) || seen.size > MAX_PAGES) throw new Error(`pagination loops at ${url}`);
      seen.add(url);
      const page = await fetchJson(url);
      if (!page || !Array.isArray(page.items)) throw new Error(`unexpected leaves page from ${url}`);
      items.push(...page.items);
      onPage(items.length, page.count);
      url = page.next ? new URL(page.next, url).href : null;
    }
    return items;
  }

  async function fetchAndCheck(drawUrl, onPage) {
    const draw = await fetchJson(drawUrl);
    const fetched = !["open", "closed"].includes(draw.status) && draw.merkle_root;
    const leaves = fetched ? await fetchLeaves(drawUrl, onPage) : [];
    return { draw, leaves, checks: await runChecks(draw, leaves) };
  }

  const api = {
    toHex,
    fromHex,
    sha256,
    numbersText,
    leafHash,
    nodeHash,
    MerkleBuilder,
    merkleRoot,
    leafHashes,
    rootFromPath,
    commitment,
    drawMaterial,
    picks,
    selectResults,
    outcomeFromLeaves,
    runChecks,
    inclusionChecks,
    fetchJson,
    fetchLeaves,
    fetchAndCheck,
  };
  root.LotteryVerify = api;
  if (typeof module === "object" && module.exports) module.exports = api;
})(globalThis);
