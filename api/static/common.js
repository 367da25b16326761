/* Shared by the pages: calls to the API with the desk's key, and safe DOM building
   (text only, never HTML from a response). */
"use strict";

const KEY_STORAGE = "provenance.apiKey";

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function authHeaders() {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { Authorization: "Bearer " + key } : {};
}

/* fetch() with the key; a JSON error body becomes an ApiError, a 401 shows the key form. */
async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (response.ok) return response;
  let code = "http_" + response.status;
  let message = response.statusText || "The server refused the request.";
  try {
    const body = await response.json();
    code = body.error.code;
    message = body.error.message;
  } catch (_) { /* not our JSON: keep the status text */ }
  if (response.status === 401) showKeyForm();
  throw new ApiError(response.status, code, message);
}

function showKeyForm() {
  const form = document.getElementById("key-form");
  form.hidden = false;
  document.getElementById("api-key").focus();
}

function setUpKeyForm(onSaved) {
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("api-key");
    localStorage.setItem(KEY_STORAGE, input.value.trim());
    input.value = "";
    event.target.hidden = true;
    onSaved();
  });
}

/* el("p", {class: "x"}, "text", child): an element with attributes and text or element children. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/* An image the API serves behind the key, shown through a blob URL (an <img src> cannot send headers). */
async function showImage(img, path) {
  const blob = await (await api(path)).blob();
  if (img.dataset.blobUrl) URL.revokeObjectURL(img.dataset.blobUrl);
  img.dataset.blobUrl = URL.createObjectURL(blob);
  img.src = img.dataset.blobUrl;
  img.hidden = false;
}

function setStatus(id, text, isError = false) {
  const status = document.getElementById(id);
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function formatTime(value) {
  if (!value) return "not stated";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" });
}
