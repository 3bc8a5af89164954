import type { ExportFormat } from '../../../../../app/engine/export-options';
import { DATE_PATTERNS, MISSING_MARKERS_SNIPPET, NUMBER_PATTERN_SNIPPET } from './raw-cells';

/**
 * predict.mjs, written beside a TF.js or ONNX export: loads the model from its own folder, turns
 * raw rows into inputs with preprocessing.json exactly as the app does (main/data/encode.ts) and
 * the outputs back into labels or values (main/services/predict-run.ts). Plain ESM, no Layerlab
 * code: a user copies the folder and runs it.
 */

/** The parts shared by every runtime: CSV reading, encoding, decoding. */
function preprocessingSource(): string {
  return String.raw`const PRE = JSON.parse(await readFile(path.join(HERE, 'preprocessing.json'), 'utf8'));

// How the app reads a cell: these spellings are "missing"; numbers are plain decimals only.
const MISSING = new Set(${MISSING_MARKERS_SNIPPET});
const NUMBER = ${NUMBER_PATTERN_SNIPPET};
const isMissing = (cell) => MISSING.has(cell.trim().toLowerCase());
// How the training CSV was written (absent in older exports: "." decimals, a sniffed delimiter, UTF-8).
const CSV = PRE.csv ?? {};
// With a decimal comma, the import read a cell's first "," as the point ("14,23" is 14.23, "1.234,5"
// is not a number: thousands separators are never guessed) and kept number-like text in a text
// column as the number it means ("1,5" is the category "1.5").
const pointed = (text) => (CSV.decimal === ',' ? text.replace(',', '.') : text);
const parseNumber = (text) => (NUMBER.test(pointed(text)) ? Number(pointed(text)) : Number.NaN);
function categoryText(text) {
  const v = parseNumber(text);
  return CSV.decimal === ',' && Number.isFinite(v) ? String(v) : text;
}

// Dates as the app reads them (ISO, y/m/d, then d.m.y or m/d/y by the column's order).
const ISO = ${DATE_PATTERNS.iso};
const YMD = ${DATE_PATTERNS.ymd};
const DMY = ${DATE_PATTERNS.dmy};
function dateParts(text, order) {
  const value = text.trim();
  const valid = (year, month, day, hour) => {
    if (month < 1 || month > 12 || day < 1 || day > 31 || (hour !== null && hour > 23)) return null;
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCMonth() !== month - 1) return null;
    return { year, month, day, weekday: date.getUTCDay(), hour: hour ?? 0 };
  };
  const iso = ISO.exec(value) ?? YMD.exec(value);
  if (iso) return valid(Number(iso[1]), Number(iso[2]), Number(iso[3]), iso[4] === undefined ? null : Number(iso[4]));
  const m = DMY.exec(value);
  if (!m) return null;
  const hour = m[4] === undefined ? null : Number(m[4]);
  return order === 'dmy' || value.includes('.') ? valid(Number(m[3]), Number(m[2]), Number(m[1]), hour) : valid(Number(m[3]), Number(m[1]), Number(m[2]), hour);
}

const widthOf = (f) => (f.kind === 'numeric' ? 1 : f.kind === 'datetime' ? f.parts.length : f.encoding === 'ordinal' ? 1 : f.categories.length + (f.other ? 1 : 0));
if (PRE.windows) throw new Error('This model reads windows of past rows; predict.mjs encodes one table row (or one image) per prediction only.');

/**
 * Image files → the model's inputs, decoded the way the app imported its images
 * (main/data/images/decode-image.ts): EXIF rotation applied, transparency on black, gray or sRGB,
 * resized by the same fit, then scaled as preprocessing.json says. Needs: npm install sharp.
 */
export async function encodeImages(files) {
  const { default: sharp } = await import('sharp');
  const { width, height, channels, color, fit, scale } = PRE.image;
  const black = { r: 0, g: 0, b: 0, alpha: 1 };
  const size = width * height * channels;
  const x = new Float32Array(files.length * size);
  for (const [i, file] of files.entries()) {
    let image = sharp(file).rotate().flatten({ background: black });
    image = color === 'grayscale' ? image.toColourspace('b-w') : image.toColourspace('srgb');
    const sharpFit = fit === 'pad' ? 'contain' : fit === 'crop' ? 'cover' : 'fill';
    const { data, info } = await image.resize(width, height, { fit: sharpFit, position: 'centre', background: black }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== channels || data.length !== size) throw new Error(file + ': decoded to ' + info.width + '×' + info.height + '×' + info.channels + ', the model reads ' + width + '×' + height + '×' + channels + '.');
    for (let k = 0; k < size; k++) x[i * size + k] = data[k] * scale;
  }
  return x;
}

/** Raw rows ({ column: cell text }) → the model's inputs, row-major, as preprocessing.json says. */
export function encodeRows(rows) {
  const width = PRE.features.reduce((n, f) => n + widthOf(f), 0);
  const x = new Float32Array(rows.length * width);
  rows.forEach((row, r) => {
    let at = r * width;
    for (const f of PRE.features) {
      const raw = Object.hasOwn(row, f.name) ? row[f.name] : undefined;
      if (typeof raw !== 'string') throw new Error('Row ' + (r + 1) + ' has no "' + f.name + '" value.');
      const missing = isMissing(raw);
      if (missing && f.missing === 'drop') throw new Error('Row ' + (r + 1) + ', column "' + f.name + '" is empty: the model was trained without rows missing it.');
      const text = raw.trim();
      if (f.kind === 'numeric') {
        const v = missing ? f.fill : parseNumber(text);
        if (!Number.isFinite(v)) throw new Error('Row ' + (r + 1) + ', column "' + f.name + '": "' + text + '" is not a number.');
        // Missing values take the fill (fitted on the training split); then scale with training statistics.
        x[at] = (v - f.mean) / f.std;
      } else if (f.kind === 'datetime') {
        const date = missing ? null : dateParts(text, f.order);
        if (!missing && date === null) throw new Error('Row ' + (r + 1) + ', column "' + f.name + '": "' + text + '" is not a date.');
        f.parts.forEach((p, k) => {
          x[at + k] = ((date ? date[p] : f.fill[k]) - f.mean[k]) / f.std[k];
        });
      } else {
        // The category's index; missing takes the fill if any; unseen is "other" when the column has one.
        const value = missing ? (f.fill ?? null) : categoryText(text);
        let code = value === null ? -1 : f.categories.indexOf(value);
        if (code < 0 && value !== null && f.other) code = f.categories.length;
        if (f.encoding === 'ordinal') x[at] = ((code >= 0 ? code : f.categories.length) - (f.mean ?? 0)) / (f.std ?? 1);
        else if (code >= 0) x[at + code] = 1; // one-hot; no evidence stays all zeros
      }
      at += widthOf(f);
    }
  });
  return x;
}

/** One row of model outputs → { label, probabilities } or { value } in the target's own units. */
export function decodeOutput(output) {
  if (PRE.task === 'regression') {
    const s = PRE.targetScaling ?? { mean: 0, std: 1 };
    return { value: output[0] * s.std + s.mean };
  }
  const labels = PRE.labels ?? [];
  // A two-class model has one sigmoid unit: the probability of the second label.
  const p = output.length === 1 && labels.length <= 2 ? [1 - output[0], output[0]] : Array.from(output);
  let best = 0;
  p.forEach((v, i) => { if (v > p[best]) best = i; });
  return { label: labels[best] ?? null, probabilities: Object.fromEntries(labels.map((l, i) => [l, p[i]])) };
}

/**
 * A small RFC 4180 reader in the training file's dialect (preprocessing.json's csv: delimiter,
 * quote, header line); without one, a header line, " quotes and the delimiter , ; tab or | that
 * splits the first line most.
 */
export function parseCsv(text) {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.slice(0, body.search(/\r?\n|$/));
  const delimiter = CSV.delimiter ?? [',', ';', '\t', '|'].reduce((a, b) => (firstLine.split(b).length > firstLine.split(a).length ? b : a));
  const quote = CSV.quoteChar ?? '"';
  const records = [];
  let record = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === quote && body[i + 1] === quote) { cell += quote; i++; }
      else if (c === quote) quoted = false;
      else cell += c;
    } else if (quote !== '' && c === quote) quoted = true;
    else if (c === delimiter) { record.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      record.push(cell); cell = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else cell += c;
  }
  record.push(cell);
  if (record.length > 1 || record[0] !== '') records.push(record);
  // No header line in the training file: its columns were named column_1..column_n.
  const header = CSV.header === false ? (records[0] ?? []).map((_, j) => 'column_' + (j + 1)) : records.shift() ?? [];
  return records.map((cells) => Object.fromEntries(header.map((h, j) => [h.trim(), cells[j] ?? ''])));
}

/** A CSV file's text, in the training file's encoding (UTF-8 when preprocessing.json names none). */
export async function readCsvText(file) {
  return new TextDecoder(CSV.encoding ?? 'utf-8').decode(await readFile(file));
}`;
}

function mainSource(): string {
  return String.raw`// Run as a script: node predict.mjs rows.csv  → one JSON line per row.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error(PRE.image ? 'usage: node predict.mjs IMAGE [IMAGE ...]' : 'usage: node predict.mjs ROWS.csv   (a header line naming ' + PRE.features.map((f) => f.name).join(', ') + ')');
    process.exit(2);
  }
  try {
    const rows = PRE.image ? process.argv.slice(2) : parseCsv(await readCsvText(file));
    for (const prediction of await predict(rows)) process.stdout.write(JSON.stringify(prediction) + '\n');
  } catch (error) {
    console.error('predict.mjs: ' + (error instanceof Error ? error.message : String(error)));
    process.exit(1);
  }
}`;
}

const HEADER = (
  format: string,
  install: string,
  browser: string,
) => String.raw`// predict.mjs: run this Layerlab ${format} export on raw rows, with the preprocessing it was trained with.
//   ${install}
//   node predict.mjs rows.csv            one JSON line per row: {"label", "probabilities"} or {"value"}
//   node predict.mjs a.png b.jpg         (image models; needs npm install sharp) one JSON line per image
//   import { predict } from './predict.mjs'; await predict([{ column: 'cell text', ... }])
// ${browser}
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
`;

/** What both runtimes' snippets start with: this folder, the input shape, and the preprocessing. */
function sharedSource(inputShape: readonly number[]): string {
  return `const HERE = path.dirname(fileURLToPath(import.meta.url));
/** One row as the model's Input reads it. */
const INPUT_SHAPE = ${JSON.stringify(inputShape)};

${preprocessingSource()}

/** Raw rows (or image file paths, for an image model) → the model's inputs, row-major. */
async function encodeInputs(rows) {
  return PRE.image ? encodeImages(rows) : encodeRows(rows);
}`;
}

function tfjsSource(inputShape: readonly number[]): string {
  return `${HEADER(
    'TensorFlow.js',
    'npm install @tensorflow/tfjs      (or @tensorflow/tfjs-node, which is faster and loads the same files)',
    "In a browser, tf.loadLayersModel('…/model.json') loads the same files; encodeRows and decodeOutput work there unchanged.",
  )}import * as tf from '@tensorflow/tfjs';

${sharedSource(inputShape)}

/** model.json and the weight files it names, from this folder (tfjs has no file:// loader without tfjs-node). */
function loadModel() {
  return tf.loadLayersModel({
    load: async () => {
      const json = JSON.parse(await readFile(path.join(HERE, 'model.json'), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = [];
        const buffers = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await readFile(path.join(HERE, p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  });
}

let model = null;
/** Predict raw rows: [{ column: 'cell text', ... }] (or image file paths, for an image model) → [{ label, probabilities } | { value }]. */
export async function predict(rows) {
  if (rows.length === 0) return [];
  model ??= await loadModel();
  const x = await encodeInputs(rows);
  const y = tf.tidy(() => model.predict(tf.tensor(x, [rows.length, ...INPUT_SHAPE])).reshape([rows.length, -1]));
  const outputs = await y.array();
  y.dispose();
  return outputs.map(decodeOutput);
}

${mainSource()}
`;
}

function onnxSource(inputShape: readonly number[], modelFile: string): string {
  return `${HEADER(
    'ONNX',
    'npm install onnxruntime-node',
    "In a browser, use onnxruntime-web: the same code with import * as ort from 'onnxruntime-web' and the model fetched by URL.",
  )}import * as ort from 'onnxruntime-node';

${sharedSource(inputShape)}

let session = null;
/** Predict raw rows: [{ column: 'cell text', ... }] (or image file paths, for an image model) → [{ label, probabilities } | { value }]. */
export async function predict(rows) {
  if (rows.length === 0) return [];
  session ??= await ort.InferenceSession.create(path.join(HERE, ${JSON.stringify(modelFile)}));
  const x = await encodeInputs(rows);
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [rows.length, ...INPUT_SHAPE]) });
  const y = result[session.outputNames[0]];
  const width = y.data.length / rows.length;
  return rows.map((_, r) => decodeOutput(Array.from(y.data.subarray(r * width, (r + 1) * width), Number)));
}

${mainSource()}
`;
}

/** predict.mjs for a format, or null where JavaScript cannot load it (Keras files: use predict.py). */
export function predictMjs(format: ExportFormat, inputShape: readonly number[], modelFile: string): string | null {
  switch (format) {
    case 'tfjs':
      return tfjsSource(inputShape);
    case 'onnx':
      return onnxSource(inputShape, modelFile);
    case 'keras':
    case 'h5':
    case 'pytorch':
      return null;
  }
}
