/* The draw page's buttons: run verify.js and show every check, or check one ballot's proof. */
"use strict";
(function () {
  const LV = window.LotteryVerify;

  function show(list, checks) {
    list.replaceChildren(
      ...checks.map(([ok, message]) => {
        const item = document.createElement("li");
        item.className = `check ${ok ? "check-ok" : "check-fail"}`;
        item.dataset.ok = String(ok);
        const mark = document.createElement("span");
        mark.className = "check-mark";
        mark.setAttribute("aria-label", ok ? "passed" : "failed");
        mark.textContent = ok ? "✓" : "✗";
        const text = document.createElement("span");
        text.className = "check-text";
        text.textContent = message;
        item.append(mark, text);
        return item;
      }),
    );
  }

  async function verifyDraw(section, button) {
    const progress = section.querySelector("#verify-progress");
    const summary = section.querySelector("#verify-summary");
    button.disabled = true;
    section.dataset.state = "running";
    summary.hidden = true;
    progress.textContent = "Fetching the draw…";
    try {
      const { checks } = await LV.fetchAndCheck(section.dataset.drawUrl, (got, count) => {
        progress.textContent = `Fetched ${got} of ${count} ballots…`;
      });
      show(section.querySelector("#verify-results"), checks);
      const failed = checks.filter(([ok]) => !ok).length;
      section.dataset.state = failed ? "invalid" : "valid";
      summary.className = `summary ${failed ? "summary-fail" : "summary-ok"}`;
      summary.textContent = failed
        ? `NOT VERIFIED: ${failed} of ${checks.length} checks failed.`
        : `Draw is VALID: all ${checks.length} checks passed.`;
    } catch (error) {
      section.dataset.state = "error";
      summary.className = "summary summary-fail";
      summary.textContent = `Could not fetch the draw: ${error.message}`;
    } finally {
      summary.hidden = false;
      progress.textContent = "";
      button.disabled = false;
    }
  }

  async function checkBallot(form) {
    const results = form.parentElement.querySelector("#proof-results");
    const ballot = form.elements.ballot.value.trim().toLowerCase();
    const auth = { Authorization: `Bearer ${form.elements.token.value.trim()}` };
    form.dataset.state = "running";
    try {
      const proofUrl = `${form.dataset.drawUrl}/proof/${encodeURIComponent(ballot)}`;
      const [proof, mine] = await Promise.all([
        LV.fetchJson(proofUrl, auth),
        LV.fetchJson(`/api/v1/lotteries/${encodeURIComponent(ballot)}`, auth),
      ]);
      const checks = await LV.inclusionChecks({
        ballot,
        numbers: mine.numbers,
        proof,
        publishedRoot: form.dataset.root,
      });
      show(results, checks);
      form.dataset.state = checks.every(([ok]) => ok) ? "valid" : "invalid";
    } catch (error) {
      show(results, [[false, error.message]]);
      form.dataset.state = "error";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("verifier");
    const button = document.getElementById("verify-button");
    if (section && button) button.addEventListener("click", () => verifyDraw(section, button));
    const form = document.getElementById("proof-form");
    if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        checkBallot(form);
      });
    }
  });
})();
