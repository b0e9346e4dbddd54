// appealgen upload page: plain JS, no build step. Everything shown comes from the REST API
// and is written with textContent (never innerHTML), so letter text cannot inject markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const KEY_STORAGE = "appealgen.apiKey";
  const SAVE_DELAY_MS = 800;
  const maxBytes = Number(document.body.dataset.maxBytes || 0);
  const state = { caseId: null, denial: null, saveTimer: null, saveSeq: 0, saving: null };

  // --- API key ------------------------------------------------------------------------
  const keyInput = $("api-key");
  keyInput.value = localStorage.getItem(KEY_STORAGE) || "";
  keyInput.addEventListener("change", () => localStorage.setItem(KEY_STORAGE, keyInput.value.trim()));
  $("forget-key").addEventListener("click", () => {
    localStorage.removeItem(KEY_STORAGE);
    keyInput.value = "";
    keyInput.focus();
  });
  const apiKey = () => keyInput.value.trim();

  // --- Messages -----------------------------------------------------------------------
  function showError(message) {
    const box = $("error");
    box.textContent = message;
    box.hidden = !message;
  }
  function progress(text, busy) {
    $("progress").hidden = !busy;
    $("progress-text").textContent = text;
  }
  async function problemMessage(response) {
    // RFC 9457 problem details: title + detail; anything else gets the status line.
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (response.status === 401) {
      return "The API key was not accepted. Check it, or ask for a new one." + (body && body.detail ? " (" + body.detail + ")" : "");
    }
    if (body && (body.title || body.detail)) {
      return (body.title || "Error") + ": " + (body.detail || "");
    }
    return "The server answered " + response.status + " " + response.statusText + ".";
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  async function api(path, options) {
    const opts = options || {};
    opts.headers = Object.assign({ Authorization: "Bearer " + apiKey() }, opts.headers || {});
    const response = await fetch(path, opts);
    if (!response.ok) throw new Error(await problemMessage(response));
    return response;
  }

  // --- Denial file: picker and drag and drop --------------------------------------------
  const zone = $("drop-zone");
  const fileInput = $("denial-file");
  function chooseDenial(file) {
    state.denial = file || null;
    $("denial-chosen").textContent = file ? "Chosen: " + file.name + " (" + Math.ceil(file.size / 1024) + " KB)" : "No file chosen.";
  }
  fileInput.addEventListener("change", () => chooseDenial(fileInput.files[0]));
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("dragging"); }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.remove("dragging"); }));
  zone.addEventListener("drop", (e) => {
    if (e.dataTransfer && e.dataTransfer.files.length) chooseDenial(e.dataTransfer.files[0]);
  });

  // --- Patient facts ------------------------------------------------------------------
  document.querySelectorAll("input[name=facts-mode]").forEach((radio) => radio.addEventListener("change", () => {
    const mode = document.querySelector("input[name=facts-mode]:checked").value;
    $("facts-form").hidden = mode !== "form";
    $("facts-file-box").hidden = mode !== "file";
  }));
  const val = (id) => $(id).value.trim();
  const yesNo = (id) => (val(id) === "" ? undefined : val(id) === "yes");
  function factsFromForm() {
    const facts = { patient: {}, labs: [], history: {} };
    if (val("f-sex")) facts.patient.sex = val("f-sex");
    if (val("f-dob")) facts.patient.date_of_birth = val("f-dob");
    if (val("f-weight")) facts.patient.weight_kg = Number(val("f-weight"));
    const dx = val("f-dx").split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());
    if (dx.length) facts.diagnoses = dx;
    if (val("f-fix")) {
      const lab = { name: "factor_ix_activity", value: Number(val("f-fix")), unit: "%" };
      if (val("f-fix-date")) lab.date = val("f-fix-date");
      facts.labs.push(lab);
    }
    if (val("f-inh")) {
      const lab = { name: "factor_ix_inhibitor", result: val("f-inh") };
      if (val("f-inh-date")) lab.date = val("f-inh-date");
      facts.labs.push(lab);
    }
    if (yesNo("f-proph") !== undefined) facts.history.current_prophylaxis = yesNo("f-proph");
    if (val("f-spec")) facts.prescriber = { specialty: val("f-spec") };
    if (yesNo("f-center") !== undefined) facts.site_of_care = { approved_center: yesNo("f-center") };
    if (val("f-asof")) facts.as_of = val("f-asof");
    const empty = !Object.keys(facts.patient).length && !facts.labs.length && !Object.keys(facts.history).length
      && !facts.diagnoses && !facts.prescriber && !facts.site_of_care && !facts.as_of;
    return empty ? null : facts;
  }
  function factsPart() {
    const mode = document.querySelector("input[name=facts-mode]:checked").value;
    if (mode === "file") return $("facts-file").files[0] || null;
    if (mode === "form") {
      const facts = factsFromForm();
      return facts ? new Blob([JSON.stringify(facts)], { type: "application/json" }) : null;
    }
    return null;
  }

  // --- Submit: upload with progress, then the drafted result ---------------------------
  $("appeal-form").addEventListener("submit", (e) => {
    e.preventDefault();
    showError("");
    if (!apiKey()) { showError("Enter your API key first."); keyInput.focus(); return; }
    if (!state.denial) { showError("Choose the denial letter (PDF or text) first."); fileInput.focus(); return; }
    if (maxBytes && state.denial.size > maxBytes) {
      showError("The file is larger than the limit of " + Math.round(maxBytes / 1048576) + " MB."); return;
    }
    localStorage.setItem(KEY_STORAGE, apiKey());
    const body = new FormData();
    body.append("denial", state.denial, state.denial.name);
    const facts = factsPart();
    if (facts) body.append("facts", facts, facts.name || "facts.json");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/appeals");
    xhr.setRequestHeader("Authorization", "Bearer " + apiKey());
    xhr.setRequestHeader("Idempotency-Key", newId());
    xhr.responseType = "text";
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) progress("Uploading… " + Math.round((100 * ev.loaded) / ev.total) + "%", true);
    };
    xhr.upload.onload = () => progress("Reading the letter and drafting the appeal…", true);
    xhr.onerror = () => { finish(); showError("The server could not be reached. Is it running?"); };
    xhr.onload = async () => {
      finish();
      const response = new Response(xhr.responseText, { status: xhr.status, statusText: xhr.statusText });
      if (xhr.status !== 200 && xhr.status !== 201) { showError(await problemMessage(response)); return; }
      showResult(JSON.parse(xhr.responseText));
    };
    $("submit").disabled = true;
    progress("Uploading…", true);
    xhr.send(body);
  });
  function finish() { $("submit").disabled = false; progress("", false); }

  // --- Results ------------------------------------------------------------------------
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function fillTable(id, rows) {
    const body = document.querySelector("#" + id + " tbody");
    body.replaceChildren(...rows.map((cells) => {
      const tr = el("tr");
      cells.forEach((c) => tr.append(c instanceof Node ? c : el("td", c)));
      return tr;
    }));
  }
  const STATUS = { met: "Met", not_met: "Not met", missing: "Missing evidence" };
  function showResult(r) {
    state.caseId = r.id;
    $("summary").textContent = [r.facts.payer, r.facts.drug, r.facts.letter_date ? "letter of " + r.facts.letter_date : null]
      .filter(Boolean).join(" · ");
    $("bases").replaceChildren(...r.bases.map((b) => {
      const li = el("li");
      li.append(el("strong", b.id.replace(/_/g, " ")), el("span", " (confidence " + b.confidence.toFixed(2) + ")"),
        el("blockquote", "“" + b.evidence.text + "”"));
      return li;
    }));
    if (!r.bases.length) $("bases").replaceChildren(el("li", "No denial basis was recognised."));
    const crit = r.assessment.criteria;
    $("criteria-note").textContent = crit.length
      ? "Criteria set: " + (r.assessment.criteria_set || "?") + " — " + crit.filter((c) => c.status === "met").length + " of " + crit.length + " met."
      : (r.patient_facts ? "No machine-readable criteria for this drug and payer." : "Give patient facts to check the criteria.");
    fillTable("criteria", crit.map((c) => {
      const td = el("td", STATUS[c.status] || c.status, "status-" + c.status);
      return [c.text, td, c.evidence];
    }));
    fillTable("deadlines", r.deadlines.map((d) => [
      d.title, d.due || "—",
      d.days ? d.days + " " + d.day_type + " days" : (d.months ? d.months + " months" : "—"), d.citation]));
    $("letter").value = r.letter_markdown;
    showFindings(r.check, "Drafted letter (version " + (r.letter_version || 1) + ").");
    $("results").hidden = false;
    $("results-title").focus();
  }
  function showFindings(report, prefix) {
    const list = $("findings-list");
    const items = report.findings.map((f) => {
      const li = el("li", null, f.severity + "-finding");
      li.append(el("strong", "[" + f.severity + "] " + f.rule + ": "), el("span", f.message));
      if (f.span && f.span.end > f.span.start) {
        const show = el("button", "Show in letter");
        show.type = "button";
        show.addEventListener("click", () => { const t = $("letter"); t.focus(); t.setSelectionRange(f.span.start, f.span.end); });
        li.append(" ", el("q", f.span.text), " ", show);
      }
      return li;
    });
    list.replaceChildren(...(items.length ? items : [el("li", "No findings: every check passed.")]));
    const n = report.findings.length;
    $("save-status").textContent = prefix + " " + (report.passed ? "Check passed" : "Check failed") + ", " + n + " finding" + (n === 1 ? "" : "s") + ".";
  }

  // --- Letter editor: debounced save + re-check -----------------------------------------
  async function saveLetter() {
    clearTimeout(state.saveTimer);
    state.saveTimer = null;
    const seq = ++state.saveSeq;
    $("save-status").textContent = "Saving and checking…";
    try {
      const response = await api("/v1/appeals/" + state.caseId + "/letter", {
        method: "PUT", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ markdown: $("letter").value }),
      });
      const report = await response.json();
      if (seq === state.saveSeq) showFindings(report, "Saved version " + report.version + ".");
    } catch (err) {
      if (seq === state.saveSeq) { $("save-status").textContent = "Not saved."; showError(err.message); }
    }
  }
  $("letter").addEventListener("input", () => {
    clearTimeout(state.saveTimer);
    $("save-status").textContent = "Editing…";
    state.saveTimer = setTimeout(() => { state.saving = saveLetter(); }, SAVE_DELAY_MS);
  });

  // --- Downloads (fetched with the key, handed to the browser as a file) -----------------
  document.querySelectorAll("[data-download]").forEach((button) => button.addEventListener("click", async () => {
    if (!state.caseId) return;
    showError("");
    if (state.saveTimer) state.saving = saveLetter();  // download what is on screen
    if (state.saving) await state.saving;
    try {
      const response = await api("/v1/appeals/" + state.caseId + "/" + button.dataset.download);
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="([^"]+)"/.exec(disposition);
      const url = URL.createObjectURL(await response.blob());
      const a = el("a");
      a.href = url;
      a.download = match ? match[1] : button.dataset.download;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) { showError(err.message); }
  }));

  $("delete-case").addEventListener("click", async () => {
    if (!state.caseId || !window.confirm("Delete this case and every letter version from the server?")) return;
    try {
      await api("/v1/appeals/" + state.caseId, { method: "DELETE" });
      state.caseId = null;
      $("results").hidden = true;
      progress("The case was deleted.", false);
    } catch (err) { showError(err.message); }
  });
})();
