/* The check page: send a photo, show the verdict in plain words with the evidence. */
"use strict";

const VERDICTS = {
  identical: ["The original file", "This is exactly the original file from the library, byte for byte."],
  copy: ["A copy of a known original", "Same photograph as the original. Only global edits, listed below: nothing was added to or removed from the picture."],
  altered: ["Altered", "This comes from a known original, but parts of the picture differ from it. The changed regions are outlined in the evidence."],
  composite: ["Composite", "This picture combines parts of two or more originals. The regions taken from another original are outlined in blue."],
  related: ["Related, not the same photograph", "The same scene as an original in the library, but a different photograph (another moment or angle)."],
  unknown: ["Not in the library", "No original in the library matches this photo. That proves nothing either way: the library may simply not hold its original."],
};

const EDITS = {
  recompressed: "Saved again with lossy compression",
  format_changed: "File format changed",
  resized: "Resized",
  cropped: "Cropped",
  mirrored: "Mirrored (flipped left to right)",
  rotated: "Rotated",
  color_adjusted: "Colours or brightness adjusted",
  greyscale: "Turned to black and white",
  metadata_stripped: "Metadata (caption, credit, camera data) removed",
};

const CHANGES = { stripped: "removed", changed: "changed", added: "added" };

const CLAIMS = { source: "Source", date: "Date", location: "Place", montage: "Montage" };

const OUTCOMES = {
  supported: "Supported",
  contradicted: "Contradicted",
  unverifiable: "Cannot be verified",
};

const CREDENTIALS = {
  valid: "Valid: signed by a trusted signer, and nothing changed since it was signed.",
  valid_untrusted_signer: "Signature intact, but the signer is not on the trust list (a test or unknown signer).",
  invalid: "Do NOT validate: the picture or its credentials changed after signing.",
  absent: "None. Most photos carry none: on its own that proves nothing.",
  unreadable: "Present but unreadable.",
};

/* Why a picture is another photograph of the scene (match.scene), in words for the page. */
const SCENE = {
  viewpoint: (scene) => "Another viewpoint: " + scene.epipolar_inliers + " point pairs fit one camera geometry, only "
    + scene.plane_inliers + " of them one flat mapping of the original. No edit produces that.",
  moved_subjects: (scene, places) => places + " separate places differ, spread over "
    + Math.round(scene.spread * 100) + "% of the frame, outlined in red: people or objects that moved between two "
    + "exposures cannot be told from an edit of them, so no montage is claimed.",
};

const LEVELS = { none: "No sign", weak: "Weak sign", moderate: "Moderate sign", strong: "Strong sign" };

const THUMBNAILS = {
  matches: "Shows the same picture.",
  differs: "Differs from the picture: it was likely edited after the camera wrote the thumbnail.",
  different_picture: "Shows a DIFFERENT picture: the image was replaced or heavily edited after it was first saved.",
  unreadable: "Could not be read.",
  not_compared: "Not compared.",
};

const EVIDENCE_CAPTIONS = {
  original: "Left: the original, aligned to this copy. Middle: this copy, changed regions outlined in red "
    + "(blue: taken from another original). Right: where the pixels differ (brighter is more).",
  forensics: "No original to compare with. Left: this photo, with the areas the indicators point to outlined "
    + "(red: repeated areas). Right: error levels after saving again (brighter is more). Not proof.",
};

let chosenFile = null;

function choose(file) {
  chosenFile = file || null;
  document.getElementById("chosen").textContent = chosenFile ? "Chosen: " + chosenFile.name : "";
}

async function runCheck() {
  if (!chosenFile) {
    setStatus("status", "Choose or drop a photo first.", true);
    document.querySelector("label[for=file]").focus();
    return;
  }
  const body = new FormData(document.getElementById("check-form"));
  body.set("file", chosenFile, chosenFile.name);
  for (const [name, value] of [...body.entries()]) {
    if (typeof value === "string" && !value.trim()) body.delete(name);
  }
  const button = document.getElementById("check-button");
  button.disabled = true;
  document.getElementById("result").hidden = true;
  setStatus("status", "Checking " + chosenFile.name + "…");
  try {
    const report = await (await api("/v1/checks", { method: "POST", body })).json();
    await showReport(report);
    setStatus("status", "Checked " + chosenFile.name + ".");
    showEvents();
  } catch (error) {
    setStatus("status", "Could not check " + chosenFile.name + ": " + error.message, true);
  } finally {
    button.disabled = false;
  }
}

async function showReport(report) {
  const [title, words] = VERDICTS[report.verdict];
  const verdict = document.getElementById("verdict");
  verdict.className = "verdict verdict-" + report.verdict;
  verdict.dataset.verdict = report.verdict;
  document.getElementById("verdict-title").textContent = title;
  document.getElementById("verdict-words").textContent = words;
  document.getElementById("confidence").textContent = "Confidence: " + Math.round(report.confidence * 100) + "%";
  document.getElementById("reasons").replaceChildren(...report.reasons.map((reason) => el("li", {}, reason)));
  document.getElementById("check-id").textContent = report.id;
  document.getElementById("report-button").onclick = () => saveReport(report);
  document.getElementById("print-button").onclick = () => openDocument("/v1/checks/" + report.id + "/report.html");
  document.getElementById("pdf-button").onclick = () => openDocument("/v1/checks/" + report.id + "/report.pdf");
  showReview(report);

  const best = report.matches[0];
  showClaims(report.claims || []);
  showOriginal(best);
  showEdits(best);
  showParts(best);
  showCredentials(report.content_credentials, best);
  showForensics(report.forensics);
  showFile(report.metadata);
  showMetadata(best);
  document.getElementById("result").hidden = false;
  document.getElementById("verdict-title").setAttribute("tabindex", "-1");
  document.getElementById("verdict-title").focus();

  const evidenceSection = document.getElementById("evidence-section");
  evidenceSection.hidden = !report.evidence;
  const fromOriginal = Boolean(best);
  document.getElementById("evidence-caption").textContent = EVIDENCE_CAPTIONS[fromOriginal ? "original" : "forensics"];
  document.getElementById("evidence").alt = fromOriginal
    ? "Evidence: the original aligned to the copy, the copy with changed regions outlined, and a heat map of the differences"
    : "Evidence: this photo with the areas the indicators point to outlined, and its error levels";
  if (report.evidence) await showImage(document.getElementById("evidence"), report.evidence);
}

/* The report documents need the key: fetched, then opened through a blob URL in a new tab. */
async function openDocument(path) {
  try {
    const blob = await (await api(path)).blob();
    window.open(URL.createObjectURL(blob), "_blank", "noopener");
  } catch (error) {
    setStatus("status", "Could not make the report: " + error.message, true);
  }
}

const DECISIONS = { confirmed: "confirmed", rejected: "rejected" };

function showReview(report) {
  const section = document.getElementById("review-section");
  const best = report.matches[0];
  section.hidden = !best;
  document.getElementById("lineage-link-block").hidden = !best;
  if (!best) return;
  document.getElementById("lineage-link").href = "/lineage?reference=" + encodeURIComponent(best.reference.id);
  const decisions = report.decisions || [];
  const last = decisions[decisions.length - 1];
  document.getElementById("review-state").textContent = last
    ? "The match was " + DECISIONS[last.decision] + " by " + last.reviewer + " on " + formatTime(last.created_at)
      + (last.note ? " (" + last.note + ")" : "") + ". The machine had said: " + last.machine_verdict + "."
    : "No editor has confirmed or rejected this match yet.";
  setStatus("review-status", "");
  for (const [button, decision] of [["confirm-button", "confirmed"], ["reject-button", "rejected"]]) {
    document.getElementById(button).onclick = () => decide(report, decision);
  }
}

async function decide(report, decision) {
  const note = document.getElementById("review-note").value.trim();
  try {
    const response = await api("/v1/checks/" + report.id + "/decision", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(note ? { decision, note } : { decision }),
    });
    const recorded = await response.json();
    report.decisions = [...(report.decisions || []), recorded];
    showReview(report);
    setStatus("review-status", "Recorded: " + DECISIONS[decision] + ".");
  } catch (error) {
    setStatus("review-status", "Could not record the decision: " + error.message, true);
  }
}

let eventsAnswered = false;

/* Earlier checks that a newer original has answered (the watchlist), newest first. */
async function showEvents() {
  try {
    const response = await fetch("/v1/events?limit=10", { headers: authHeaders() });
    eventsAnswered = response.ok;
    if (!response.ok) return;  // no key yet: the check itself asks for one
    const events = await response.json();
    document.getElementById("events-section").hidden = events.length === 0;
    document.getElementById("events").replaceChildren(...events.map((event) => el("li", { "data-verdict": event.verdict },
      el("strong", {}, event.verdict), " ", event.summary, " ",
      el("a", { href: "/?check=" + encodeURIComponent(event.check_id) }, "See the new result"))));
  } catch (_) { /* no key yet, or no scope: the panel stays hidden */ }
}

function saveReport(report) {
  const blob = new Blob([JSON.stringify(report, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(blob), download: "provenance-" + report.id + ".json" });
  link.click();
  URL.revokeObjectURL(link.href);
}

function showOriginal(match) {
  const section = document.getElementById("original");
  section.hidden = !match;
  if (!match) return;
  const ref = match.reference;
  const rows = [
    ["Credit", ref.credit || "not stated"],
    ["Photographer", ref.byline || "not stated"],
    ["Source", ref.source],
    ["Agency ID", ref.external_id],
    ["Captured", formatTime(ref.captured_at)],
    ["Headline", ref.headline],
    ["Caption", ref.caption || "none"],
    ["Size", ref.width + " × " + ref.height + " pixels"],
  ].filter(([, value]) => value);
  document.getElementById("original-details").replaceChildren(
    ...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]),
  );
  const thumb = document.getElementById("original-thumb");
  thumb.alt = "The original, " + ref.external_id + (ref.caption ? ": " + ref.caption : "");
  showImage(thumb, "/v1/references/" + ref.id + "/thumbnail.jpg").catch(() => { thumb.hidden = true; });
}

function showEdits(match) {
  const section = document.getElementById("edits-section");
  section.hidden = !match;
  if (!match) return;
  const items = match.edits.map((edit) => el("li", {}, EDITS[edit] || edit));
  const changed = match.regions.filter((region) => !region.explained_by).length;
  const parts = match.regions.length - changed;
  if (match.scene) items.push(el("li", { class: "strong" }, SCENE[match.scene.finding](match.scene, changed)));
  else if (changed) {
    items.push(el("li", { class: "strong" }, changed + " region(s) of the picture changed, outlined in red in the evidence"));
  }
  if (parts) {
    items.push(el("li", { class: "strong" }, parts + " part(s) taken from another original, outlined in blue in the evidence"));
  }
  if (!items.length) items.push(el("li", {}, "No edit found"));
  document.getElementById("edits").replaceChildren(...items);
}

function showClaims(claims) {
  document.getElementById("claims-section").hidden = !claims.length;
  document.getElementById("claims").replaceChildren(...claims.map((claim) => el("li", { class: "claim", "data-outcome": claim.outcome },
    el("p", { class: "claim-head" },
      el("span", { class: "outcome outcome-" + claim.outcome }, OUTCOMES[claim.outcome] || claim.outcome),
      " ",
      el("strong", {}, (CLAIMS[claim.claim] || claim.claim) + ": "),
      claim.stated,
    ),
    el("p", { class: "claim-evidence" }, claim.evidence),
  )));
}

/* Regions another original explains: the parts of a composite. */
function showParts(match) {
  const parts = match ? match.regions.filter((region) => region.explained_by) : [];
  document.getElementById("parts-section").hidden = !parts.length;
  document.getElementById("parts").replaceChildren(...parts.map((region) => {
    const [x, y, w, h] = region.bbox;
    const from = region.explained_by;
    return el("li", {},
      el("strong", {}, from.source + " original " + from.external_id),
      ": " + w + " × " + h + " pixels at " + x + ", " + y + " from the top left ("
        + Math.max(1, Math.round(region.area_fraction * 100)) + "% of the picture), outlined in blue in the evidence.",
    );
  }));
}

function showCredentials(credentials, match) {
  const section = document.getElementById("credentials-section");
  const note = match ? match.credentials_note : null;
  section.hidden = !credentials && !note;
  if (section.hidden) return;

  const status = credentials ? credentials.status : null;
  const statusLine = document.getElementById("credentials-status");
  statusLine.className = "credentials-status credentials-" + (status || "none");
  statusLine.replaceChildren(el("strong", {}, "This copy's credentials: "),
    status ? CREDENTIALS[status] || status : "not read.");
  document.getElementById("credentials-summary").textContent =
    credentials && status !== "absent" ? credentials.summary : "";

  const rows = credentials ? [
    ["Signed by", credentials.signer],
    ["Signed at", credentials.signed_at ? formatTime(credentials.signed_at) : null],
    ["Made with", credentials.claim_generator],
    ["Authors", credentials.authors.join(", ")],
    ["Title", credentials.title],
    ["Built from", credentials.ingredients.map((item) => [item.title || "untitled", item.relationship && "(" + item.relationship + ")"]
      .filter(Boolean).join(" ")).join("; ")],
  ].filter(([, value]) => value) : [];
  document.getElementById("credentials-details").replaceChildren(
    ...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]),
  );

  const actions = credentials ? credentials.actions : [];
  document.getElementById("credentials-actions-block").hidden = !actions.length;
  document.getElementById("credentials-actions").replaceChildren(...actions.map((action) => el("li", {},
    action.action.replace(/^c2pa\./, "").replaceAll("_", " "),
    action.software_agent ? " with " + action.software_agent : null,
    action.when ? ", " + formatTime(action.when) : null,
  )));

  const codes = credentials ? credentials.failures : [];
  document.getElementById("credentials-codes-block").hidden = !codes.length;
  document.getElementById("credentials-codes").replaceChildren(...codes.map((code) => el("tr", {},
    el("th", { scope: "row" }, el("code", {}, code.code)),
    el("td", {}, code.meaning || code.explanation || "—"),
  )));

  const original = match && match.original_credentials && match.original_credentials.status !== "absent"
    ? match.original_credentials : null;
  document.getElementById("original-credentials-block").hidden = !note && !original;
  document.getElementById("original-credentials").textContent = note || (original ? original.summary : "");
}

function showForensics(forensics) {
  const indicators = forensics ? forensics.indicators : [];
  document.getElementById("forensics-section").hidden = !indicators.length;
  if (!indicators.length) return;
  document.getElementById("forensics-caveat").textContent = forensics.caveat;
  const order = ["strong", "moderate", "weak", "none"];
  const sorted = [...indicators].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  document.getElementById("forensics").replaceChildren(...sorted.map((indicator) => el("li", { "data-level": indicator.level },
    el("p", { class: "claim-head" },
      el("span", { class: "level level-" + indicator.level }, LEVELS[indicator.level] || indicator.level),
      " ",
      el("strong", {}, indicator.title),
    ),
    el("p", {}, indicator.summary),
  )));
}

/* The file's own structure: what wrote it, how hard it was compressed, whether its preview still fits. */
function showFile(metadata) {
  const rows = [];
  const jpeg = metadata ? metadata.jpeg : null;
  if (jpeg && jpeg.estimated_quality) {
    rows.push(["JPEG quality", "about " + jpeg.estimated_quality + " out of 100"
      + (jpeg.estimated_quality < 70 ? " (low: typical of a social-media or messaging re-save)" : "")]);
  }
  if (jpeg && jpeg.likely_encoder) rows.push(["Likely saved by", jpeg.likely_encoder]);
  const thumbnail = metadata ? metadata.thumbnail : null;
  if (thumbnail && thumbnail.outcome !== "not_compared") {
    const mismatch = thumbnail.outcome === "differs" || thumbnail.outcome === "different_picture";
    rows.push(["Camera thumbnail", el("span", { class: mismatch ? "strong" : null },
      THUMBNAILS[thumbnail.outcome] || thumbnail.outcome, thumbnail.note ? " " + thumbnail.note : null)]);
  }
  const history = metadata ? metadata.history : [];
  if (history.length) {
    rows.push(["Editing history", history.slice(0, 8).map((event) => [event.action, event.software_agent && "with " + event.software_agent,
      event.when && formatTime(event.when)].filter(Boolean).join(" ")).join("; ") + (history.length > 8 ? "; …" : "")]);
  }
  if (metadata && metadata.software_traces.length) rows.push(["Software named in the file", metadata.software_traces.join(", ")]);
  document.getElementById("file-section").hidden = !rows.length;
  document.getElementById("file-details").replaceChildren(
    ...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]),
  );
}

function showMetadata(match) {
  const changes = match ? match.metadata_diff : [];
  document.getElementById("metadata-section").hidden = !changes.length;
  document.getElementById("metadata").replaceChildren(...changes.map((change) => el("tr", {},
    el("th", { scope: "row" }, change.field.replaceAll("_", " ")),
    el("td", {}, change.original ?? "—"),
    el("td", {}, change.copy_value ?? "—"),
    el("td", {}, CHANGES[change.change] || change.change),
  )));
}

function setUpDropZone() {
  const drop = document.getElementById("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    choose(event.dataTransfer.files[0]);
    runCheck();
  });
  document.getElementById("file").addEventListener("change", (event) => {
    choose(event.target.files[0]);
    runCheck();
  });
  const picker = document.querySelector("label[for=file]");
  picker.tabIndex = 0;
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      document.getElementById("file").click();
    }
  });
}

/* /?check=ID shows a stored check (the events link there). */
async function showStoredCheck(checkId) {
  try {
    await showReport(await (await api("/v1/checks/" + encodeURIComponent(checkId))).json());
  } catch (error) {
    setStatus("status", "Could not show check " + checkId + ": " + error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpDropZone();
  setUpKeyForm(() => { runCheck(); showEvents(); });
  document.getElementById("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runCheck();
  });
  const stored = new URLSearchParams(window.location.search).get("check");
  if (stored) showStoredCheck(stored);
  if (localStorage.getItem(KEY_STORAGE)) showEvents();  // without a key: after the first check
  setInterval(() => { if (eventsAnswered) showEvents(); }, 30000);
});
