import type { PredictInputs } from '../../../../app/ipc/contract';

/**
 * A row typed as the training CSV spells it (its delimiter and decimal mark, run.predictInputs'
 * csv): the playground's hint shows one ("13,2;5,1;…" for a European spreadsheet), and a pasted
 * line fills the fields in their order. The main side reads the numbers in that spelling
 * (main/services/predict-run.ts), as the import read the file.
 */

/** One CSV line's cells split on `delimiter`, with "…" quotes ("" inside is a quote). */
export function splitCsvLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

const delimiterName = (d: string) => (d === '\t' ? 'a tab' : `"${d}"`);

const delimiterOf = (inputs: PredictInputs) => inputs.csv?.delimiter ?? ',';
/** A tab shows as ⇥ in a line of text. */
const shownDelimiter = (inputs: PredictInputs) => (delimiterOf(inputs) === '\t' ? '⇥' : delimiterOf(inputs));

/** The hint: one row spelled as the training CSV spells it ("13,2;5,1;…" for a decimal-comma file). */
export function rowHint(inputs: PredictInputs): string {
  const shown = inputs.fields.slice(0, 3).map((f) => f.value);
  const example = [...shown, ...(inputs.fields.length > shown.length ? ['…'] : [])].join(shownDelimiter(inputs));
  const between = `${delimiterName(delimiterOf(inputs))} between cells`;
  const spelling = inputs.csv?.decimal === ',' ? ` (decimal comma, ${between})` : inputs.csv ? ` (${between})` : '';
  return `Enter one row as it would appear in the CSV: ${example}${spelling}; the model sees it through the same preprocessing as in training.`;
}

/** The fields' names in order, as a pasted row lists them. */
export function fieldList(inputs: PredictInputs): string {
  return inputs.fields.map((f) => f.name).join(shownDelimiter(inputs));
}

/** The prefilled row, spelled as the CSV spells it. */
export function rowPlaceholder(inputs: PredictInputs): string {
  return inputs.fields.map((f) => f.value).join(delimiterOf(inputs));
}

/** A pasted line → the fields' values (in their order), or why it does not fit; an empty line changes nothing. */
export function readTypedRow(
  inputs: PredictInputs,
  line: string,
): { values: Record<string, string> | null; error: string | null } {
  const text = line.replace(/[\r\n]+$/, '');
  if (text.trim() === '') return { values: null, error: null };
  const delimiter = delimiterOf(inputs);
  const cells = splitCsvLine(text, delimiter);
  if (cells.length !== inputs.fields.length) {
    return {
      values: null,
      error: `That row has ${cells.length} cell${cells.length === 1 ? '' : 's'} split on ${delimiterName(delimiter)}; the model reads ${inputs.fields.length}: ${fieldList(inputs)}.`,
    };
  }
  return { values: Object.fromEntries(inputs.fields.map((f, i) => [f.name, cells[i]!.trim()])), error: null };
}
