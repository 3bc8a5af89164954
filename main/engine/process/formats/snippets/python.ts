import type { ExportFormat } from '../../../../../app/engine/export-options';
import { DATE_PATTERNS, MISSING_MARKERS, NUMBER_PATTERN_SOURCE } from './raw-cells';

/** A JavaScript regex literal's body, for Python's re (the syntax used is common to both). */
const pyPattern = (literal: string) => literal.slice(1, -1).replace(/\\\//g, '/');

/**
 * predict.py, written beside every export: the same preprocessing as predict.mjs and the app
 * (main/data/encode.ts), in Python with numpy, and a loader for the formats Python can read
 * (onnxruntime for ONNX, Keras for .keras/.h5). A TF.js export gets the preprocessing and a plain
 * note to export Keras or ONNX for Python instead: Python has no maintained TF.js Layers loader
 * short of installing TensorFlow with the tensorflowjs converter.
 */

const pyString = (s: string) => JSON.stringify(s);

function preprocessingSource(inputShape: readonly number[]): string {
  return `HERE = Path(__file__).resolve().parent
PRE = json.loads((HERE / "preprocessing.json").read_text(encoding="utf-8"))
# One row as the model's Input reads it.
INPUT_SHAPE = ${JSON.stringify(inputShape)}

# How the app reads a cell: these spellings are "missing"; numbers are plain decimals only.
MISSING = {${MISSING_MARKERS.map(pyString).join(', ')}}
NUMBER = re.compile(r"${NUMBER_PATTERN_SOURCE}")


def is_missing(cell):
    return cell.strip().lower() in MISSING


# How the training CSV was written (absent in older exports: "." decimals, a sniffed delimiter, UTF-8).
CSV = PRE.get("csv") or {}
# With a decimal comma, the import read a cell's first "," as the point ("14,23" is 14.23, "1.234,5"
# is not a number: thousands separators are never guessed) and kept number-like text in a text
# column as the number it means ("1,5" is the category "1.5", as JavaScript writes numbers).


def parse_number(text):
    text = text.replace(",", ".", 1) if CSV.get("decimal") == "," else text
    return float(text) if NUMBER.fullmatch(text) else math.nan


def js_number_text(value):
    """String(value) as JavaScript writes a finite number: how the app names a number-like category."""
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _, digits, exponent = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digits))
    k, n = len(digits), exponent + len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = n - 1
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e > 0 else "-") + str(abs(e))


def category_text(text):
    value = parse_number(text)
    return js_number_text(value) if CSV.get("decimal") == "," and math.isfinite(value) else text

ISO = re.compile(r"${pyPattern(DATE_PATTERNS.iso)}")
YMD = re.compile(r"${pyPattern(DATE_PATTERNS.ymd)}")
DMY = re.compile(r"${pyPattern(DATE_PATTERNS.dmy)}")


def date_parts(text, order):
    """A date as the app reads it (ISO, y/m/d, then d.m.y or m/d/y by the column's order), or None."""
    value = text.strip()

    def valid(year, month, day, hour):
        try:
            d = datetime.date(year, month, day)
        except ValueError:
            return None
        if hour is not None and hour > 23:
            return None
        return {"year": year, "month": month, "day": day, "weekday": (d.weekday() + 1) % 7, "hour": hour or 0}

    m = ISO.fullmatch(value) or YMD.fullmatch(value)
    if m:
        return valid(int(m[1]), int(m[2]), int(m[3]), None if m[4] is None else int(m[4]))
    m = DMY.fullmatch(value)
    if not m:
        return None
    hour = None if m[4] is None else int(m[4])
    if order == "dmy" or "." in value:
        return valid(int(m[3]), int(m[2]), int(m[1]), hour)
    return valid(int(m[3]), int(m[1]), int(m[2]), hour)


def width_of(f):
    if f["kind"] == "numeric":
        return 1
    if f["kind"] == "datetime":
        return len(f["parts"])
    if f.get("encoding") == "ordinal":
        return 1
    return len(f["categories"]) + (1 if f.get("other") else 0)


if PRE.get("image") or PRE.get("windows"):
    raise SystemExit("This model reads " + ("images" if PRE.get("image") else "windows of past rows") + "; predict.py encodes one table row per prediction only.")


def encode_rows(rows):
    """Raw rows ({column: cell text}) -> the model's inputs (rows x width float32), as preprocessing.json says."""
    width = sum(width_of(f) for f in PRE["features"])
    x = np.zeros((len(rows), width), dtype=np.float32)
    for r, row in enumerate(rows):
        at = 0
        for f in PRE["features"]:
            raw = row.get(f["name"])
            if not isinstance(raw, str):
                raise ValueError(f'Row {r + 1} has no "{f["name"]}" value.')
            missing = is_missing(raw)
            if missing and f.get("missing") == "drop":
                raise ValueError(f'Row {r + 1}, column "{f["name"]}" is empty: the model was trained without rows missing it.')
            text = raw.strip()
            if f["kind"] == "numeric":
                value = f["fill"] if missing else parse_number(text)
                if not math.isfinite(value):
                    raise ValueError(f'Row {r + 1}, column "{f["name"]}": "{text}" is not a number.')
                # Missing values take the fill (fitted on the training split); then scale with training statistics.
                x[r, at] = (value - f["mean"]) / f["std"]
            elif f["kind"] == "datetime":
                date = None if missing else date_parts(text, f["order"])
                if not missing and date is None:
                    raise ValueError(f'Row {r + 1}, column "{f["name"]}": "{text}" is not a date.')
                for k, part in enumerate(f["parts"]):
                    x[r, at + k] = ((date[part] if date else f["fill"][k]) - f["mean"][k]) / f["std"][k]
            else:
                # The category's index; missing takes the fill if any; unseen is "other" when the column has one.
                cats = f["categories"]
                value = f.get("fill") if missing else category_text(text)
                code = cats.index(value) if value in cats else -1
                if code < 0 and value is not None and f.get("other"):
                    code = len(cats)
                if f.get("encoding") == "ordinal":
                    x[r, at] = ((code if code >= 0 else len(cats)) - f.get("mean", 0)) / f.get("std", 1)
                elif code >= 0:
                    x[r, at + code] = 1  # one-hot; no evidence stays all zeros
            at += width_of(f)
    return x


def decode_output(output):
    """One row of model outputs -> {"label", "probabilities"} or {"value"} in the target's own units."""
    output = [float(v) for v in output]
    if PRE["task"] == "regression":
        s = PRE.get("targetScaling") or {"mean": 0, "std": 1}
        return {"value": output[0] * s["std"] + s["mean"]}
    labels = PRE.get("labels") or []
    # A two-class model has one sigmoid unit: the probability of the second label.
    p = [1 - output[0], output[0]] if len(output) == 1 and len(labels) <= 2 else output
    best = max(range(len(p)), key=lambda i: p[i])
    return {"label": labels[best] if best < len(labels) else None, "probabilities": dict(zip(labels, p))}


def read_csv(file):
    """Rows ({column: cell text}) of a CSV file in the training file's dialect (preprocessing.json's csv), else sniffed."""
    codec = {"utf-8": "utf-8-sig", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be", "windows-1252": "cp1252"}.get(CSV.get("encoding", "utf-8"), "utf-8-sig")
    with open(file, newline="", encoding=codec) as handle:
        text = handle.read()
    text = text[1:] if text.startswith("\\ufeff") else text
    if "delimiter" in CSV:
        quote = CSV.get("quoteChar", '"')
        reader = csv.reader(io.StringIO(text), delimiter=CSV["delimiter"], quotechar=quote or None, quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE)
    else:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\\t|") if text else csv.excel
        reader = csv.reader(io.StringIO(text), dialect=dialect)
    records = [cells for cells in reader if cells and cells != [""]]
    if CSV.get("header", True):
        header = [h.strip() for h in records.pop(0)] if records else []
    else:
        # No header line in the training file: its columns were named column_1..column_n.
        header = [f"column_{j + 1}" for j in range(len(records[0]) if records else 0)]
    return [{h: (cells[j] if j < len(cells) else "") for j, h in enumerate(header)} for cells in records]`;
}

function mainSource(): string {
  return `if __name__ == "__main__":
    if len(sys.argv) != 2:
        names = ", ".join(f["name"] for f in PRE["features"])
        sys.exit(f"usage: python predict.py ROWS.csv   (a header line naming {names})")
    for prediction in predict(read_csv(sys.argv[1])):
        print(json.dumps(prediction))`;
}

const IMPORTS = `import csv
import datetime
import decimal
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np`;

function header(format: string, install: string): string {
  return `"""predict.py: run this Layerlab ${format} export on raw rows, with the preprocessing it was trained with.

    ${install}
    python predict.py rows.csv        one JSON line per row: {"label", "probabilities"} or {"value"}
    from predict import predict; predict([{"column": "cell text", ...}])
"""`;
}

export function predictPy(format: ExportFormat, inputShape: readonly number[], modelFile: string): string {
  const file = pyString(modelFile);
  switch (format) {
    case 'onnx':
      return `${header('ONNX', 'pip install onnxruntime numpy')}
${IMPORTS}
import onnxruntime as ort

${preprocessingSource(inputShape)}


_session = None


def predict(rows):
    """Predict raw rows: [{column: cell text}] -> [{"label", "probabilities"} | {"value"}]."""
    global _session
    if not rows:
        return []
    if _session is None:
        _session = ort.InferenceSession(str(HERE / ${file}), providers=["CPUExecutionProvider"])
    x = encode_rows(rows).reshape([len(rows), *INPUT_SHAPE])
    y = _session.run(None, {_session.get_inputs()[0].name: x})[0].reshape(len(rows), -1)
    return [decode_output(row) for row in y]


${mainSource()}
`;
    case 'keras':
    case 'h5':
      return `${header(format === 'keras' ? 'Keras (.keras)' : 'Keras HDF5 (.h5)', 'pip install keras tensorflow numpy   (or keras with the jax or torch backend)')}
${IMPORTS}
import keras

${preprocessingSource(inputShape)}


_model = None


def predict(rows):
    """Predict raw rows: [{column: cell text}] -> [{"label", "probabilities"} | {"value"}]."""
    global _model
    if not rows:
        return []
    if _model is None:
        _model = keras.saving.load_model(HERE / ${file}, compile=False)
    x = encode_rows(rows).reshape([len(rows), *INPUT_SHAPE])
    y = np.asarray(_model.predict(x, verbose=0)).reshape(len(rows), -1)
    return [decode_output(row) for row in y]


${mainSource()}
`;
    case 'pytorch':
      return `${header('PyTorch', 'pip install torch numpy')}
${IMPORTS}
import sys

import torch

${preprocessingSource(inputShape)}


_model = None


def predict(rows):
    """Predict raw rows: [{column: cell text}] -> [{"label", "probabilities"} | {"value"}]."""
    global _model
    if not rows:
        return []
    if _model is None:
        sys.path.insert(0, str(HERE))
        from model import load_model

        _model = load_model(str(HERE / ${file}))
    x = torch.from_numpy(encode_rows(rows).reshape([len(rows), *INPUT_SHAPE]))
    with torch.no_grad():
        y = _model(x).numpy().reshape(len(rows), -1)
    return [decode_output(row) for row in y]


${mainSource()}
`;
    case 'tfjs':
      return `${header('TensorFlow.js', 'pip install numpy')}
# This export is in TF.js Layers format, which Python cannot load without TensorFlow and the
# tensorflowjs converter. For Python, export the same run as Keras (.keras / .h5) or ONNX from
# Layerlab: that export's predict.py loads it. The preprocessing below is the same for every
# format, so encode_rows and decode_output work with any of them (use predict.mjs for this one).
${IMPORTS}

${preprocessingSource(inputShape)}


def predict(rows):
    raise SystemExit("This is a TF.js export: run predict.mjs with Node, or export Keras or ONNX from Layerlab for Python.")


${mainSource()}
`;
  }
}
