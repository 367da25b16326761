/* The library page: browse and search the originals, add one. */
"use strict";

const PAGE_SIZE = 20;
let offset = 0;

async function load() {
  const form = new FormData(document.getElementById("search-form"));
  const params = new URLSearchParams({ limit: PAGE_SIZE, offset });
  for (const name of ["q", "source"]) {
    const value = String(form.get(name) || "").trim();
    if (value) params.set(name, value);
  }
  setStatus("status", "Loading…");
  try {
    const page = await (await api("/v1/references?" + params)).json();
    render(page);
  } catch (error) {
    setStatus("status", "Could not load the library: " + error.message, true);
  }
}

function render(page) {
  const rows = page.items.map((ref) => {
    const thumb = el("img", { alt: "Preview of " + ref.external_id, width: "120" });
    showImage(thumb, "/v1/references/" + ref.id + "/thumbnail.jpg").catch(() => { thumb.alt = "no preview"; });
    return el("tr", {},
      el("td", {}, thumb),
      el("td", {}, ref.external_id),
      el("td", {}, ref.source),
      el("td", {}, ref.credit || ""),
      el("td", {}, ref.captured_at ? formatTime(ref.captured_at) : ""),
      el("td", {}, ref.width + " × " + ref.height),
    );
  });
  document.getElementById("rows").replaceChildren(...rows);
  const last = Math.min(page.offset + page.items.length, page.total);
  const summary = page.total ? `Originals ${page.offset + 1}–${last} of ${page.total}` : "No original matches.";
  document.getElementById("page").textContent = summary;
  document.getElementById("count").textContent = summary;
  setStatus("status", summary);
  document.getElementById("previous").disabled = page.offset === 0;
  document.getElementById("next").disabled = last >= page.total;
}

async function add(event) {
  event.preventDefault();
  const body = new FormData(event.target);
  for (const [name, value] of [...body.entries()]) {
    if (typeof value === "string" && !value.trim()) body.delete(name);
  }
  setStatus("add-status", "Adding…");
  try {
    const response = await api("/v1/references", { method: "POST", body });
    const ref = await response.json();
    const what = response.status === 201 ? "Added" : "Already in the library:";
    setStatus("add-status", `${what} ${ref.external_id} (${ref.source}).`);
    event.target.reset();
    load();
  } catch (error) {
    setStatus("add-status", "Not added: " + error.message, true);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpKeyForm(load);
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    offset = 0;
    load();
  });
  document.getElementById("previous").addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); load(); });
  document.getElementById("next").addEventListener("click", () => { offset += PAGE_SIZE; load(); });
  document.getElementById("add-form").addEventListener("submit", add);
  load();
});
