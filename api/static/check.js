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

  const best = report.matches[0];
  showOriginal(best);
  showEdits(best);
  showMetadata(best);
  document.getElementById("result").hidden = false;
  document.getElementById("verdict-title").setAttribute("tabindex", "-1");
  document.getElementById("verdict-title").focus();

  const evidenceSection = document.getElementById("evidence-section");
  evidenceSection.hidden = !report.evidence;
  if (report.evidence) await showImage(document.getElementById("evidence"), report.evidence);
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
  if (match.regions.length) {
    items.push(el("li", { class: "strong" }, match.regions.length + " region(s) of the picture changed, outlined in the evidence"));
  }
  if (!items.length) items.push(el("li", {}, "No edit found"));
  document.getElementById("edits").replaceChildren(...items);
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

document.addEventListener("DOMContentLoaded", () => {
  setUpDropZone();
  setUpKeyForm(() => runCheck());
  document.getElementById("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runCheck();
  });
});
