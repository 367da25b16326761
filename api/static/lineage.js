/* The lineage page: an original's checked copies as variants and a timeline with thumbnails. */
"use strict";

function variantName(index) {
  return index === null ? "matched on fingerprints only" : "variant " + (index + 1);
}

async function showLineage() {
  const reference = new URLSearchParams(window.location.search).get("reference");
  if (!reference) {
    setStatus("status", "Open this page from a check's result: it needs an original.", true);
    return;
  }
  try {
    const lineage = await (await api("/v1/references/" + encodeURIComponent(reference) + "/lineage")).json();
    document.getElementById("lineage-title").textContent = "Copies of original " + reference;
    document.getElementById("variants").replaceChildren(...lineage.variants.map((variant, index) => el("li", {},
      el("strong", {}, variantName(index)), ": ", variant.description, ". First seen ", formatTime(variant.first_seen),
      variant.first_seen_by ? " by " + variant.first_seen_by : null, "; ", variant.checks + " check(s).")));
    const items = lineage.checks.map((check) => {
      const thumb = el("img", { alt: "Evidence of check " + check.check_id, class: "thumb", hidden: "" });
      showImage(thumb, "/v1/checks/" + encodeURIComponent(check.check_id) + "/evidence.png").catch(() => {});
      return el("li", { "data-check": check.check_id }, thumb,
        el("p", {}, el("strong", {}, formatTime(check.created_at)), " · ", check.verdict, " · ", variantName(check.variant),
          check.submitted_by ? " · by " + check.submitted_by : null),
        check.derived_from
          ? el("p", { class: "derived" }, "Could be made from the copy checked as ",
            el("a", { href: "/?check=" + encodeURIComponent(check.derived_from) }, check.derived_from.slice(0, 8)))
          : null,
        el("a", { href: "/?check=" + encodeURIComponent(check.check_id) }, "See this check"));
    });
    document.getElementById("timeline").replaceChildren(...items);
    setStatus("status", lineage.checks.length ? "" : "No check has matched this original yet.");
  } catch (error) {
    setStatus("status", "Could not read the copies: " + error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpKeyForm(showLineage);
  showLineage();
});
