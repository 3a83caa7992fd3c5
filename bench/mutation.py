"""One-line mutation testing of the modules whose bugs matter most (`make mutation`).

Each mutant is made at run time from the module's AST (no line numbers are kept anywhere,
so the script follows the code as it changes): a comparison flipped or moved by one, `and`
and `or` swapped, a `not` dropped, an `if` guard disabled, a `raise` removed, an integer
moved by one, True and False swapped, an arithmetic operator changed. The mutated node's
source span is replaced by its unparsed mutation, so every other line stays as written.

Each mutant runs the module's tests (SQLite, stopping at the first failure) in a private copy
of the project, so the working tree is never modified; several copies run side by side.
A mutant is killed when the tests fail or time out. The results, per module (mutants, killed,
survived, score) with every survivor listed, go to bench/results/mutation.txt.

    .venv/bin/python bench/mutation.py [--jobs N] [--module lottery/draws/ ...]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mutation.txt"
# Seconds a pytest run takes to start (Django, the test database) on top of its tests.
STARTUP = 20.0

# Module -> the tests that exercise it, fastest and most discriminating first (-x stops at
# the first failure, so a killed mutant usually costs a second or two).
# The critical modules (globs, relative to the project) and the tests that guard them.
_GROUPS: dict[str, list[str]] = {
    "lottery/draws/*.py": [
        "tests/lottery/test_draws.py",
        "tests/lottery/test_proof_tree.py",
        "tests/lottery/test_pick_distribution.py",
        "tests/lottery/test_verify.py",
        "tests/verification/test_proofs.py",
    ],
    "lottery/services/*.py": [
        "tests/guards",
        "tests/lottery/test_draw_engine.py",
        "tests/lottery/test_play_api.py",
        "tests/lottery/test_tickets.py",
        "tests/lottery/test_tally.py",
        "tests/lottery/test_deferred_bearer.py",
        "tests/accounts/test_play_limits.py",
        "tests/commands/test_messages.py",
        "tests/lottery/test_admin_redraw.py",
        "tests/lottery/test_admin_draws.py",
    ],
    "accounts/auth.py": ["tests/guards", "tests/accounts", "tests/lottery/test_deferred_bearer.py"],
    "accounts/services.py": ["tests/guards", "tests/accounts"],
    "core/netaddr.py": ["tests/guards/test_netaddr.py", "tests/test_hostile_input.py"],
    "core/ratelimit.py": ["tests/guards", "tests/test_hostile_input.py", "tests/accounts"],
}
TARGETS: dict[str, list[str]] = {
    str(path.relative_to(ROOT)): tests
    for pattern, tests in _GROUPS.items()
    for path in sorted(ROOT.glob(pattern))
    if path.name != "__init__.py"
}

# Survivors judged equivalent (no behaviour can tell them apart), keyed by module, the
# stripped source line and the mutation, so that they follow the code when lines move.
_DIGEST = "digest = hashlib.sha256(key.lower().encode()).hexdigest()[:32]"
_ADD = "cache.add(cache_key, 0, timeout=window + 1)"
_RETRY = 'headers={"Retry-After": str(max(retry_after, 1))},'
_REQUEST_USER = "if user is not None:"
_LIMIT = "limit = 2**256 - (2**256 % count)"
_FINISH = 'return level[0], b"".join(h for lvl in levels for h in lvl)'
_LAST_ONE = "read after the loop that ends at one node: [0] and [-1] are the same node"
_SLIVER = (
    "changes only whether an x within `count` of 2**256 is rejected: probability < 2**-200 a "
    "pick, indistinguishable without a SHA-256 preimage"
)
_LOCK_ROW = 'value = getattr(draws_[0], f"player_{name}")'
_ONE_ROW = "the play lock's statement returns one row or none: [0] and [-1] are the same"
_ZIP = "for text, q in zip(numbers, quick, strict=True)"
_VENDOR = 'if connection.vendor == "postgresql":'
_PG_INSERT = "cursor.execute(_INSERT_WITHIN_LIMIT_SQL_POSTGRESQL.format(rows=rows), tally + params)"
_PG_ONLY = (
    "the PostgreSQL statement's path: this runner is SQLite, the PostgreSQL run of make test "
    "(tests/lottery/test_tally.py, test_tickets.py) covers it"
)
_PLAY_SQL = "lottery/services/play_statements.py"
_BATCH = "bulk_create's batch size changes the statements, not the rows"
_ONE_LINE = "return ticket_play(player=player, lines=[numbers], game_slug=game_slug, day=day)[0]"
EQUIVALENT: dict[tuple[str, str, str], str] = {
    ("core/ratelimit.py", _DIGEST, "constant: 32 -> 31"): (
        "any truncation of the sha256 keeps keys apart; only the cache key's spelling changes"
    ),
    ("core/ratelimit.py", _DIGEST, "constant: 32 -> 33"): (
        "any truncation of the sha256 keeps keys apart; only the cache key's spelling changes"
    ),
    ("core/ratelimit.py", _ADD, "constant: 1 -> 0"): (
        "a key added in the window's first second with timeout=window dies as the window ends"
    ),
    ("core/ratelimit.py", _ADD, "constant: 1 -> 2"): (
        "a longer timeout outlives the window, whose next key is a different one anyway"
    ),
    ("core/ratelimit.py", _RETRY, "constant: 1 -> 0"): (
        "retry_after = window_start + window - now is always at least 1"
    ),
    (
        "accounts/auth.py",
        "MIN_TIMESTAMP, MAX_TIMESTAMP = 0, 253402300799  # 1970-01-01 .. 9999-12-31T23:59:59Z",
        "constant: 253402300799 -> 253402300800",
    ): ("10000-01-01T00:00:00Z cannot be a datetime either: decode refuses it the same way"),
    ("accounts/auth.py", _REQUEST_USER, "guard disabled: condition -> False"): (
        "API views read request.auth (django-ninja); request.user is read only by the admin, "
        "which signs in by session"
    ),
    ("accounts/auth.py", _REQUEST_USER, "negated: is not -> is"): (
        "API views read request.auth (django-ninja); request.user is read only by the admin, "
        "which signs in by session"
    ),
    # The rejection limit: only the surviving variants are labelled, those that move the
    # limit by less than ``count`` out of 2**256 (the exponent of the remainder, the limit
    # itself included or not): a sliver no SHA-256 output is found in short of a preimage.
    # Moving the first 2**256 is killed by tests/lottery/test_draws.py's biased-tail test.
    ("lottery/draws/results.py", _LIMIT, "constant: 256 -> 255"): _SLIVER,
    ("lottery/draws/results.py", _LIMIT, "constant: 256 -> 257"): _SLIVER,
    ("lottery/draws/results.py", "if x >= limit:", "boundary: >= -> >"): _SLIVER,
    # The play lock returns one row (the draw, joined with its player) or none.
    ("lottery/services/ballots.py", _LOCK_ROW, "constant: 0 -> -1"): _ONE_ROW,
    ("lottery/services/ballots.py", "return draws_[0]", "constant: 0 -> -1"): _ONE_ROW,
    (_PLAY_SQL, _ZIP, "constant: True -> False"): (
        "both lists are built from the same lines: zip never sees different lengths"
    ),
    (_PLAY_SQL, _VENDOR, "guard disabled: condition -> False"): _PG_ONLY,
    (_PLAY_SQL, _PG_INSERT, "operator: + -> -"): _PG_ONLY,
    (_PLAY_SQL, "ballot._state.adding = False", "constant: False -> True"): (
        "the ballots are answered, never saved again: _state.adding is not read"
    ),
    ("lottery/services/ballots.py", "batch_size=2000,", "constant: 2000 -> 1999"): _BATCH,
    ("lottery/services/ballots.py", "batch_size=2000,", "constant: 2000 -> 2001"): _BATCH,
    ("lottery/services/ballots.py", _ONE_LINE, "constant: 0 -> -1"): (
        "a ticket of one line answers one ballot: [0] and [-1] are the same"
    ),
    ("lottery/draws/proof_tree.py", "return block[0]", "constant: 0 -> -1"): _LAST_ONE,
    ("lottery/draws/proof_tree.py", _FINISH, "constant: 0 -> -1"): _LAST_ONE,
    ("accounts/services.py", "if user is None:", "guard disabled: condition -> False"): (
        "with no user, the refresh row lookup filters on user=None and finds no row: the same "
        "401 follows one line later"
    ),
}

_NEGATE = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BOUNDARY = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
_BINOP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
    ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
_SYMBOL = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Div: "/",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
}


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int
    end_line: int
    description: str
    source: str  # the whole mutated module
    original_line: str


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Nodes never mutated: annotations, docstrings, f-string parts, decorators."""
    skipped: set[int] = set()

    def skip(node: ast.AST | None) -> None:
        if node is not None:
            skipped.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip(node)
        if isinstance(node, ast.arg):
            skip(node.annotation)
        if isinstance(node, ast.AnnAssign):
            skip(node.annotation)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip(node.returns)
            for decorator in node.decorator_list:
                skip(decorator)
        if isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                skip(decorator)
    return skipped


def _text(node: ast.BinOp) -> bool:
    """A concatenation of text (the operator is then fixed by the operand types)."""
    sides = (node.left, node.right)
    return any(isinstance(s, ast.JoinedStr) for s in sides) or any(
        isinstance(s, ast.Constant) and isinstance(s.value, (str, bytes)) for s in sides
    )


def _variants(node: ast.AST) -> list[tuple[str, ast.AST]]:
    """The mutations of one node: (description, replacement node)."""
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.Compare):
        for k, op in enumerate(node.ops):
            for table, why in ((_NEGATE, "negated"), (_BOUNDARY, "boundary")):
                new = table.get(type(op))
                if new is None:
                    continue
                ops = list(node.ops)
                ops[k] = new()
                desc = f"{why}: {_SYMBOL[type(op)]} -> {_SYMBOL[new]}"
                out.append((desc, ast.Compare(node.left, ops, node.comparators)))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        desc = "and -> or" if isinstance(node.op, ast.And) else "or -> and"
        out.append((desc, ast.BoolOp(other, node.values)))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("not removed", node.operand))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("unary minus removed", node.operand))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP and not _text(node):
        new = _BINOP[type(node.op)]
        desc = f"operator: {_SYMBOL[type(node.op)]} -> {_SYMBOL[new]}"
        out.append((desc, ast.BinOp(node.left, new(), node.right)))
    elif isinstance(node, ast.Constant) and type(node.value) is bool:
        out.append((f"constant: {node.value} -> {not node.value}", ast.Constant(not node.value)))
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        for delta in (1, -1):
            new_value = node.value + delta
            out.append((f"constant: {node.value} -> {new_value}", ast.Constant(new_value)))
    return out


def _statement_variants(node: ast.stmt, parent_body: list[ast.stmt]) -> list[tuple[str, str]]:
    """Statement mutations as (description, replacement source)."""
    out: list[tuple[str, str]] = []
    if isinstance(node, (ast.If, ast.While)):
        out.append(("guard disabled: condition -> False", "False"))
    if isinstance(node, ast.AugAssign) and type(node.op) in _BINOP:
        new = _BINOP[type(node.op)]
        target = ast.unparse(node.target)
        text = f"{target} {_SYMBOL[new]}= {ast.unparse(node.value)}"
        out.append((f"operator: {_SYMBOL[type(node.op)]}= -> {_SYMBOL[new]}=", text))
    if isinstance(node, ast.Raise) and len(parent_body) > 1:
        # (a lone raise under an `if` is covered by disabling the if)
        out.append(("raise removed", "pass"))
    return out


def _replace(lines: list[str], node: ast.AST, text: str) -> str:
    """The module's source with node's span replaced by text."""
    first, last = node.lineno - 1, node.end_lineno - 1
    head = lines[first][: node.col_offset]
    tail = lines[last][node.end_col_offset :]
    return "".join([*lines[:first], head + text + tail, *lines[last + 1 :]])


def mutants_of(module: str) -> list[Mutant]:
    """Every mutant of a module, generated from its current source."""
    source = (ROOT / module).read_text()
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    original = ast.dump(tree)
    skipped = _skipped_nodes(tree)
    docstrings = {
        id(body[0].value)
        for body in (
            getattr(n, "body", None)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        )
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    }
    out: list[Mutant] = []
    seen: set[str] = set()

    def add(node: ast.AST, desc: str, mutated: str) -> None:
        try:
            if ast.dump(ast.parse(mutated)) == original:
                return
        except SyntaxError:
            return
        if mutated in seen:
            return
        seen.add(mutated)
        first_line = lines[node.lineno - 1].strip()
        out.append(Mutant(module, node.lineno, node.end_lineno, desc, mutated, first_line))

    for node in ast.walk(tree):
        if id(node) in skipped or id(node) in docstrings:
            continue
        if isinstance(node, ast.expr) and hasattr(node, "end_col_offset"):
            if "pragma: no mutate" in lines[node.lineno - 1]:
                continue
            for desc, new in _variants(node):
                add(node, desc, _replace(lines, node, f"({ast.unparse(new)})"))
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for stmt in body:
                if not isinstance(stmt, ast.stmt) or "pragma: no mutate" in lines[stmt.lineno - 1]:
                    continue
                for desc, text in _statement_variants(stmt, body):
                    if isinstance(stmt, (ast.If, ast.While)):
                        add(stmt.test, desc, _replace(lines, stmt.test, text))
                    else:
                        add(stmt, desc, _replace(lines, stmt, text))
    return sorted(out, key=lambda m: (m.line, m.description))


def _copy_project(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        src = ROOT / name
        browser_suite = name.startswith("tests/e2e") and not name.endswith(
            ("__init__.py", "conftest.py")  # other suites' conftests import these
        )
        if src.is_file() and not name.startswith("bench/results/") and not browser_suite:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def _env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATA_DIR"] = str(copy / "data")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy / "bench"), env.get("PYTHONPATH")]))
    return env


def _pytest(
    copy: Path, tests: list[str], timeout: float, first: bool = False, extra: list[str] = ()
) -> tuple[str, float]:
    """Run the tests in a copy: 'pass', 'fail' or 'timeout', and the seconds taken."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:xdist", "-m", "not slow"]
    command += ["--create-db" if first else "--reuse-db", *extra, *tests]
    start = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=copy, env=_env(copy), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    took = time.monotonic() - start
    if result.returncode == 0:
        return "pass", took
    if first:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
    return "fail", took


@dataclass
class Trace:
    """Which tests execute which lines (module -> line -> test ids), and each test's time."""

    lines: dict[str, dict[int, set[str]]]
    import_lines: dict[str, set[int]]  # executed outside any test: at import or collection
    durations: dict[str, float]

    def tests_for(self, m: Mutant) -> list[str] | None:
        """The tests to run against a mutant, fastest first; None when no test executes it.

        A line that runs only at import (a module-level constant, a default value, a class
        body) is run against every test that executes any line of the module."""
        own = self.lines.get(m.module, {})
        span = range(m.line, m.end_line + 1)
        tests = set().union(*(own.get(n, set()) for n in span))
        if not tests and any(n in self.import_lines.get(m.module, ()) for n in span):
            tests = set().union(*own.values())
        if not tests:
            return None
        return sorted(tests, key=lambda t: (self.durations.get(t, 0.0), t))


def _trace(copy: Path, modules: list[str]) -> Trace:
    """Run the modules' tests once, unmutated, recording which test executes which line."""
    tests = sorted({t for module in modules for t in TARGETS[module]})
    tests = [t for t in tests if (copy / t).exists()]
    out = copy / "trace.json"
    env_files = os.pathsep.join(str(copy / module) for module in modules)
    os.environ["MUTATION_TRACE_FILES"] = env_files
    os.environ["MUTATION_TRACE_OUT"] = str(out)
    try:
        outcome, took = _pytest(copy, tests, 3600, first=True, extra=["-p", "_mutation_trace"])
    finally:
        del os.environ["MUTATION_TRACE_FILES"], os.environ["MUTATION_TRACE_OUT"]
    if outcome != "pass":
        raise SystemExit("the tests fail without any mutation")
    data = json.loads(out.read_text())
    by_path = {str(copy / module): module for module in modules}
    lines: dict[str, dict[int, set[str]]] = {module: {} for module in modules}
    import_lines: dict[str, set[int]] = {module: set() for module in modules}
    for test, files in data["hits"].items():
        for name, numbers in files.items():
            module = by_path.get(name)
            if module is None:
                continue
            for n in numbers:
                if test:
                    lines[module].setdefault(n, set()).add(test)
                else:
                    import_lines[module].add(n)
    print(f"trace: {len(data['durations'])} tests in {took:.1f}s", flush=True)
    return Trace(lines, import_lines, data["durations"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    parser.add_argument("--module", action="append", choices=sorted(TARGETS))
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing: write the report again from the last results (new equivalents)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="with --module: report every module, the others' verdicts from the last results",
    )
    args = parser.parse_args(argv)
    modules = args.module or list(TARGETS)
    mutants = {module: mutants_of(module) for module in modules}
    if args.list:
        for module, items in mutants.items():
            for m in items:
                print(f"{module}:{m.line}: {m.description} | {m.original_line}")
        return 0
    if args.report:
        last = json.loads(RESULTS.with_suffix(".json").read_text())
        results = _kept_results(list(TARGETS))
        modules = [m for m in TARGETS if any(k.module == m for k, _ in results)]
        report = _report(modules, results, last["minutes"] * 60, last["jobs"])
        first = RESULTS.read_text().split("\n", 1)[0]
        report = first + "\n" + report.partition("\n")[2]  # the last run's own header
        RESULTS.write_text(report)
        summary = _summary(modules, results, last["minutes"] * 60, last["jobs"])
        RESULTS.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n")
        print(report)
        return 0
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="mutation-")
    copies: Queue[Path] = Queue()
    try:
        for k in range(args.jobs):
            copy = Path(work) / f"copy{k}"
            _copy_project(copy)
            copies.put(copy)
        first = copies.get()
        trace = _trace(first, modules)
        copies.put(first)
        for _ in range(args.jobs - 1):  # every other copy creates its test database once
            copy = copies.get()
            _pytest(copy, ["tests/guards/test_netaddr.py"], timeout=600, first=True)
            copies.put(copy)

        def run(m: Mutant) -> tuple[Mutant, str]:
            tests = trace.tests_for(m)
            if tests is None:
                verdict = "uncovered"
            else:
                copy = copies.get()
                target = copy / m.module
                # A looping mutant times out: 3x the selected tests' traced time + startup.
                timeout = 3 * sum(trace.durations.get(t, 1.0) for t in tests) + STARTUP
                try:
                    target.write_text(m.source)
                    outcome, _ = _pytest(copy, tests, timeout)
                finally:
                    shutil.copy2(ROOT / m.module, target)
                    copies.put(copy)
                verdict = "survived" if outcome == "pass" else "killed"
            print(f"{verdict:9} {m.module}:{m.line}: {m.description}", flush=True)
            return m, verdict

        everything = [m for items in mutants.values() for m in items]
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(run, everything))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started
    if args.keep and args.module:
        kept = _kept_results([m for m in TARGETS if m not in modules])
        results += kept
        modules = [m for m in TARGETS if m in modules or any(k.module == m for k, _ in kept)]
    report = _report(modules, results, took, args.jobs)
    if args.keep and args.module:
        report = report.replace(
            " mutants in ",
            f" mutants ({len(everything)} run now: {', '.join(args.module)};"
            " the others' verdicts kept from the previous run) in ",
            1,
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    RESULTS.with_suffix(".json").write_text(
        json.dumps(_summary(modules, results, took, args.jobs), indent=2) + "\n"
    )
    print(report)
    return 0


def _kept_results(modules: list[str]) -> list[tuple[Mutant, str]]:
    """The last run's verdicts of modules not run now: its survivors as listed, every other
    mutant of the module (as the code now reads) killed. Only for modules unchanged since."""
    last = json.loads(RESULTS.with_suffix(".json").read_text())["modules"]
    out: list[tuple[Mutant, str]] = []
    for module in modules:
        if module not in last:
            continue
        # (line, source, mutation) may name two mutants (two 1s on a line): count them.
        survived: dict[tuple[int, str, str], list[str]] = {}
        for s in last[module]["survivors"]:
            survived.setdefault((s["line"], s["source"], s["mutation"]), []).append(s["verdict"])
        for m in mutants_of(module):
            verdicts = survived.get((m.line, m.original_line, m.description))
            out.append((m, verdicts.pop() if verdicts else "killed"))
    return out


def _summary(modules: list[str], results: list[tuple[Mutant, str]], took: float, jobs: int) -> dict:
    out: dict = {"minutes": round(took / 60, 1), "jobs": jobs, "database": "sqlite", "modules": {}}
    for module in modules:
        own = [(m, v) for m, v in results if m.module == module]
        killed = sum(v == "killed" for _, v in own)
        survivors = [
            {
                "line": m.line,
                "mutation": m.description,
                "source": m.original_line,
                "verdict": v,
                "equivalent": EQUIVALENT.get((m.module, m.original_line, m.description)),
            }
            for m, v in own
            if v != "killed"
        ]
        equiv = sum(s["equivalent"] is not None for s in survivors)
        score = 100 * killed / (len(own) - equiv) if len(own) > equiv else 100.0
        out["modules"][module] = {
            "mutants": len(own),
            "killed": killed,
            "survived": len(own) - killed,
            "equivalent": equiv,
            "score": round(score, 1),
            "survivors": survivors,
        }
    return out


def _report(modules: list[str], results: list[tuple[Mutant, str]], took: float, jobs: int) -> str:
    lines = [
        f"Mutation testing (bench/mutation.py): {len(results)} mutants in {took / 60:.1f} min "
        f"with {jobs} job(s), SQLite.",
        "",
        f"{'module':26} {'mutants':>8} {'killed':>7} {'survived':>9} {'equiv.':>7} {'score':>7}",
    ]
    survivors: list[str] = []
    equivalent: list[str] = []
    totals = [0, 0, 0, 0]
    for module in modules:
        own = [(m, v) for m, v in results if m.module == module]
        killed = sum(v == "killed" for _, v in own)
        equiv = 0
        for m, v in own:
            if v == "killed":
                continue
            where = f"{m.module}:{m.line}: {m.description} | {m.original_line}"
            if v == "uncovered":
                where += "  (no test executes this line)"
            reason = EQUIVALENT.get((m.module, m.original_line, m.description))
            if reason:
                equiv += 1
                equivalent.append(f"  {where}\n      equivalent: {reason}")
            else:
                survivors.append(f"  {where}")
        survived = len(own) - killed
        score = 100 * killed / (len(own) - equiv) if len(own) > equiv else 100.0
        totals = [a + b for a, b in zip(totals, [len(own), killed, survived, equiv], strict=True)]
        lines.append(f"{module:26} {len(own):8} {killed:7} {survived:9} {equiv:7} {score:6.1f}%")
    n, killed, survived, equiv = totals
    score = 100 * killed / (n - equiv) if n > equiv else 100.0
    lines.append(f"{'total':26} {n:8} {killed:7} {survived:9} {equiv:7} {score:6.1f}%")
    lines += ["", "score = killed / (mutants - equivalent survivors)", ""]
    lines += ["Survivors:", *(survivors or ["  none"]), ""]
    lines += ["Survivors judged equivalent:", *(equivalent or ["  none"]), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
