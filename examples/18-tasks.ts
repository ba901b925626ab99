/**
 * 18-tasks.ts — one model, many tasks, chosen by the prompt: caption, VQA, OCR, detection and
 * segmentation. Detection and segmentation answers are text made of special tokens (<locNNNN>,
 * <segNNN>) that are parsed back into boxes and mask codes and drawn on the photo.
 *
 * The tiny checkpoint's weights are RANDOM, so its answers are gibberish: the example runs the real
 * generate for every task (the machinery), and demonstrates parsing and drawing on a hand-written
 * detection answer of the kind a real checkpoint gives for "detect cat ; eye ; nose".
 *
 * Run: pnpm example 18       Lesson: docs/18-tasks.md
 */
import { LOC_BINS, SEG_TOKENS, drawDetections, locToPixel, parseDetections, parseSegmentations, saveImage, loadImage } from "@paligemma-ts/processor";
import { PaliGemma } from "@paligemma-ts/paligemma";

const model = await PaliGemma.load("fixtures/paligemma-tiny");
const photo = await loadImage("fixtures/images/chelsea.png");
const size = { width: photo.width, height: photo.height };
const tok = model.tokenizer;
/** JSON string with U+FFFD (a byte-fallback piece decoded on its own) spelled out. */
const show = (s: string) => JSON.stringify(s).replace(/\uFFFD/g, "\\uFFFD");

// 1. The task is the prompt (PaliGemma's pretraining prefixes). Same model, same generate call.
const prompts = ["caption en", "answer en what is the cat doing?", "ocr", "detect cat", "segment cat"];
console.log(`tiny checkpoint, RANDOM weights; greedy, 8 new tokens each:`);
const results = await model.generate({ images: prompts.map(() => photo), prompts, maxNewTokens: 8, ignoreEos: true }); // one batch of 5 rows
prompts.forEach((p, i) => console.log(`  ${JSON.stringify(p).padEnd(36)} ${String(results.inputIds[i].length).padStart(2)} prompt ids -> ${show(results.texts[i])}`));

// 2. Location tokens: 1024 bins per axis, y before x, each bin is 1/1024 of the (squashed) image.
console.log(`\nvocabulary: <loc0000> = id ${tok.pieceToId("<loc0000>")} ... <loc1023> = id ${tok.pieceToId("<loc1023>")}; <seg000> = id ${tok.pieceToId("<seg000>")} ... <seg127> = id ${tok.pieceToId("<seg127>")}`);
console.log(`loc -> pixel on this ${size.width}x${size.height} photo: x = round(v / ${LOC_BINS} * ${size.width}), y = round(v / ${LOC_BINS} * ${size.height}); e.g. <loc0512> -> x ${locToPixel(512, size.width)}, y ${locToPixel(512, size.height)}`);

// 3. Detection: a hand-written answer in the format a real checkpoint produces for "detect cat ; eye ; nose".
const answer =
  "<loc0000><loc0000><loc1023><loc0880> cat ; <loc0300><loc0290><loc0480><loc0470> eye ; " +
  "<loc0350><loc0630><loc0530><loc0790> eye ; <loc0720><loc0500><loc0860><loc0640> nose";
console.log(`\nanswer: ${answer}`);
const found = parseDetections(answer, size);
for (const d of found) console.log(`  ${d.label.padEnd(5)} box x ${d.box.xmin}..${d.box.xmax}, y ${d.box.ymin}..${d.box.ymax} (pixels)`);
console.log(`answer as ids: ${tok.encode(answer.split(" ; ")[0]).length} tokens for "${answer.split(" ; ")[0]}" (4 loc tokens + the label)`);
await saveImage(drawDetections(photo, found), "out/18-detect.png");
console.log("wrote out/18-detect.png");

// Malformed model output never throws: incomplete objects are skipped.
console.log(`parse "<loc0100><loc0200> cat ; <loc0001><loc0002><loc0003><loc0004> dog": ${JSON.stringify(parseDetections("<loc0100><loc0200> cat ; <loc0001><loc0002><loc0003><loc0004> dog", size).map((d) => d.label))}`);

// 4. The real generate on "detect cat", parsed the same way (random weights: arbitrary boxes).
const detect = results.texts[prompts.indexOf("detect cat")];
const modelBoxes = parseDetections(detect, size);
console.log(`tiny model's "detect cat" answer ${show(detect)} -> ${modelBoxes.length} box(es)${modelBoxes.map((d) => ` [${d.box.xmin},${d.box.ymin},${d.box.xmax},${d.box.ymax}] "${d.label}"`).join("")}`);

// 5. Segmentation: a box, then 16 <seg> codes (a 4x4 grid of a VQ-VAE codebook of 128), then the label.
const codes = [12, 101, 7, 77, 3, 64, 64, 90, 18, 5, 55, 127, 0, 33, 41, 8];
const segAnswer = "<loc0000><loc0000><loc1023><loc0880>" + codes.map((c) => `<seg${String(c).padStart(3, "0")}>`).join("") + " cat";
const [seg] = parseSegmentations(segAnswer, size);
console.log(`\nsegment answer: 4 loc + ${SEG_TOKENS} seg tokens + label -> "${seg.label}", box [${seg.box.xmin},${seg.box.ymin},${seg.box.xmax},${seg.box.ymax}], codes as the 4x4 latent grid:`);
for (let r = 0; r < 4; r++) console.log(`  ${seg.codes.slice(r * 4, r * 4 + 4).map((c) => String(c).padStart(3)).join(" ")}`);
console.log("(the VQ-VAE decoder turns the 16 codes into a 64x64 mask resized into the box: lesson 20)");
console.log(`15 codes instead of 16 -> ${parseSegmentations(segAnswer.replace("<seg008>", ""), size).length} objects`);
await model.dispose();
