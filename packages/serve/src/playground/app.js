// app.js — the playground's script (plain browser JavaScript, no framework, no build step).
//
// Teaches the client side of the native API (native_api.ts):
//   1. an image is read as a data URL (FileReader) and shown;
//   2. POST /v1/generate with stream: true and attention: true; the response body is read as it
//      arrives (fetch + ReadableStream) and split into server-sent events ("data: {...}\n\n"): each
//      token event adds a clickable chip, the done event brings the parsed detections;
//   3. boxes are drawn on a canvas the size of the original image, laid over it (so the box pixels
//      the server reports need no scaling); masks too, when a segmentation carries one;
//   4. clicking a token asks POST /v1/attention for that token's query attention over the image
//      patches at the chosen layer, and paints the side x side grid over the image (bilinear, scaled).
// State for tests and people: body[data-state] is idle | running | done | error; the overlay canvas
// carries data-boxes (how many were drawn), the heatmap data-drawn ("token:layer").
// Leaves out: several images, conversation history, mask decoding (the server returns codes).
"use strict";

const $ = (id) => document.getElementById(id);
const PALETTE = ["#ff3b30", "#34c759", "#007aff", "#ff9500", "#af52de", "#00c7be", "#ffcc00"];
const state = { image: null, generation: null, selected: -1, info: null };

function setState(s) {
  document.body.dataset.state = s;
}

function showError(message) {
  $("error").textContent = message;
  setState("error");
}

async function loadInfo() {
  const res = await fetch("/v1/models");
  const body = await res.json();
  state.info = body.data[0].info;
  const id = body.data[0].id;
  const name = /^[./~]/.test(id) ? id.split("/").filter(Boolean).pop() : id; // a folder: its name; a Hub id as it is
  $("model").textContent = `${name} · ${state.info.modelType} · ${state.info.imageSize}px · ${state.info.numLayers} layers`;
  const layer = $("layer");
  layer.innerHTML = "";
  for (let i = 0; i < state.info.numLayers; i++) layer.add(new Option(i === state.info.numLayers - 1 ? `${i} (last)` : String(i), String(i)));
  layer.value = String(state.info.numLayers - 1);
}

function useFile(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    state.image = reader.result;
    const img = $("photo");
    img.onload = () => {
      for (const c of [$("overlay"), $("heatmap")]) {
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        c.getContext("2d").clearRect(0, 0, c.width, c.height);
      }
      $("stage").hidden = false;
      $("drop-hint").hidden = true;
      $("submit").disabled = false;
    };
    img.src = state.image;
  };
  reader.readAsDataURL(file);
}

/** Yield the JSON of each `data:` event of a streamed response ([DONE] ends it). */
async function* events(res) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data === "[DONE]") return;
      if (data) yield JSON.parse(data);
    }
  }
}

function addToken(index, text, id) {
  const span = document.createElement("span");
  span.className = "tok" + (text === "" || /^<(loc|seg)\d+>$/.test(text) ? " special" : "");
  span.textContent = text === "" ? `[${id}]` : text;
  span.dataset.index = String(index);
  span.title = `token ${index} (id ${id})`;
  span.addEventListener("click", () => selectToken(index));
  $("answer").append(span);
}

async function ask(event) {
  event.preventDefault();
  if (!state.image) return;
  $("answer").textContent = "";
  $("detections").textContent = "";
  $("timings").textContent = "";
  $("error").textContent = "";
  $("heat-info").textContent = "";
  for (const c of [$("overlay"), $("heatmap")]) c.getContext("2d").clearRect(0, 0, c.width, c.height);
  delete $("heatmap").dataset.drawn;
  $("overlay").dataset.boxes = "0";
  state.generation = null;
  state.selected = -1;
  setState("running");
  const body = { image: state.image, prompt: $("prompt").value, max_new_tokens: Number($("max-tokens").value) || 32, stream: true, attention: true };
  const res = await fetch("/v1/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) {
    const err = await res.json().catch(() => ({ error: { message: res.statusText } }));
    return showError(`${res.status}: ${err.error.message}`);
  }
  for await (const e of events(res)) {
    if (e.type === "token") addToken(e.index, e.text, e.id);
    else if (e.type === "error") return showError(e.error.message);
    else if (e.type === "done") finish(e);
  }
}

function finish(answer) {
  state.generation = answer;
  drawObjects(answer);
  const t = answer.timings;
  $("timings").textContent = `${answer.generated_ids.length} tokens · vision ${t.vision_ms.toFixed(0)} ms · prefill ${t.prefill_ms.toFixed(0)} ms · decode ${t.decode_ms_per_token.toFixed(1)} ms/token · ${answer.finish_reason}`;
  setState("done");
  if (answer.generated_ids.length > 0) selectToken(0);
}

function drawObjects(answer) {
  const canvas = $("overlay");
  const ctx = canvas.getContext("2d");
  const objects = [...answer.detections, ...answer.segmentations.filter((s) => s.mask)];
  const line = Math.max(2, Math.round(canvas.width / 150));
  let drawn = 0;
  answer.detections.forEach((d, i) => {
    const { xmin, ymin, xmax, ymax } = d.box;
    const color = PALETTE[i % PALETTE.length];
    ctx.strokeStyle = color;
    ctx.lineWidth = line;
    ctx.strokeRect(xmin, ymin, Math.max(1, xmax - xmin), Math.max(1, ymax - ymin));
    ctx.fillStyle = color;
    ctx.font = `${line * 6}px sans-serif`;
    ctx.fillText(d.label || "object", xmin + line, ymin + line * 6);
    drawn++;
    const row = document.createElement("div");
    row.textContent = `${d.label || "(no label)"}: [${xmin}, ${ymin}, ${xmax}, ${ymax}]`;
    row.style.color = color;
    $("detections").append(row);
  });
  for (const s of answer.segmentations) if (s.mask) drawMask(ctx, s);
  canvas.dataset.boxes = String(drawn);
  if (objects.length === 0) $("detections").textContent = "no boxes in the answer";
}

/** A mask {width, height, data: 0..1 row-major} laid into its box (once the server decodes masks). */
function drawMask(ctx, s) {
  const { width, height, data } = s.mask;
  const tmp = new OffscreenCanvas(width, height);
  const t = tmp.getContext("2d");
  const img = t.createImageData(width, height);
  for (let i = 0; i < width * height; i++) img.data.set([42, 109, 244, Math.round(data[i] * 140)], i * 4);
  t.putImageData(img, 0, 0);
  const { xmin, ymin, xmax, ymax } = s.box;
  ctx.drawImage(tmp, xmin, ymin, xmax - xmin, ymax - ymin);
}

async function selectToken(index) {
  if (!state.generation || !state.generation.attention) return;
  state.selected = index;
  for (const el of document.querySelectorAll(".tok")) el.classList.toggle("selected", Number(el.dataset.index) === index);
  const layer = Number($("layer").value);
  const res = await fetch("/v1/attention", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ generation_id: state.generation.attention.generation_id, token: index, layer }) });
  const a = await res.json();
  if (!res.ok) return showError(a.error.message);
  drawHeatmap(a);
}

/** values side*side -> a small canvas, each cell coloured by value / max, scaled over the image. */
function drawHeatmap(a) {
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if ($("show-heatmap").checked) {
    const grid = new OffscreenCanvas(a.side, a.side);
    const g = grid.getContext("2d");
    const img = g.createImageData(a.side, a.side);
    a.values.forEach((v, i) => {
      const x = a.max > 0 ? v / a.max : 0; // 0..1, dark blue -> yellow
      img.data.set([Math.round(255 * Math.min(1, 2 * x)), Math.round(255 * x * x), Math.round(160 * (1 - x)), 255], i * 4);
    });
    g.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(grid, 0, 0, canvas.width, canvas.height);
  }
  canvas.dataset.drawn = `${a.token}:${a.layer}`;
  $("heat-info").textContent = `token ${a.token}, layer ${a.layer}: ${(a.image_mass * 100).toFixed(1)}% of its attention on the image, peak at patch [${a.argmax.join(", ")}]`;
}

$("file").addEventListener("change", (e) => useFile(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => (e.preventDefault(), drop.classList.add("over")));
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  useFile(e.dataTransfer.files[0]);
});
for (const b of document.querySelectorAll("#presets button")) b.addEventListener("click", () => ($("prompt").value = b.dataset.task));
$("ask").addEventListener("submit", (e) => ask(e).catch((err) => showError(String(err))));
$("layer").addEventListener("change", () => state.selected >= 0 && selectToken(state.selected));
$("show-heatmap").addEventListener("change", () => state.selected >= 0 && selectToken(state.selected));
loadInfo().catch((err) => showError(`cannot reach the server: ${err}`));
