import { UserError } from '../ipc/errors';
import {
  DATE_PARTS,
  type CategoryEncoding,
  type ColumnChoice,
  type ColumnProfile,
  type DatasetMeta,
  type DatePart,
  type MissingStrategy,
  type Scaling,
  type TaskSpec,
} from './schema';

/**
 * How each feature column becomes model inputs, decided from the profile and the user's choices
 * alone (no rows), so the editor (sizing the Input node) and main/data/prepare.ts (writing the
 * numbers) agree on the width by construction. Fitting the statistics is main/data's job.
 */

interface Planned {
  profile: ColumnProfile;
  missing: MissingStrategy | null;
  /** The parsed constant fill ('constant' only): a number for numeric/datetime parts, a text otherwise. */
  constant: string | null;
  width: number;
}
export type PlannedFeature =
  | (Planned & { kind: 'numeric'; scaling: Scaling })
  | (Planned & {
      kind: 'categorical';
      encoding: CategoryEncoding;
      /** ordinal only (a one-hot input needs no scaling). */
      scaling: Scaling;
      /** The number of categories kept; the rest fold into "other" (null: every category, no "other"). */
      cap: number | null;
    })
  | (Planned & { kind: 'datetime'; scaling: Scaling; parts: DatePart[] });

/** Choices that make sense per kind of column, for the UI's selects and for the messages. */
export const MISSING_FOR = {
  numeric: ['mean', 'median', 'mostFrequent', 'constant', 'drop'],
  categorical: ['none', 'mostFrequent', 'constant', 'drop'],
  datetime: ['mean', 'median', 'mostFrequent', 'drop'],
} as const;

const TIME_OF_DAY = /\d{1,2}:\d{2}/;

/** A date column gets an hour part when any value the profile kept (top values, preview) has a time of day. */
export function dateParts(meta: DatasetMeta, profile: ColumnProfile): DatePart[] {
  const index = meta.columns.indexOf(profile);
  const samples = [
    ...(profile.histogram?.kind === 'top' ? profile.histogram.values.map((v) => v.value) : []),
    ...meta.preview.map((row) => row[index] ?? ''),
  ];
  const hour = samples.some((v) => TIME_OF_DAY.test(v));
  return DATE_PARTS.filter((p) => p !== 'hour' || hour);
}

/** Stored as numbers: a numeric column, or an ignored one the profile gave numeric statistics (ids, constants). */
function storedAsNumbers(profile: ColumnProfile): boolean {
  return (
    profile.kind === 'numeric' ||
    (profile.kind === 'ignored' && profile.type !== 'datetime' && profile.mean !== undefined)
  );
}

/**
 * The columns a model reads: the chosen features (in file order), or every usable column but the
 * target. A chosen column the profile ignored is read too when a choice can make it usable: a date
 * (expanded into parts), or text with too many values (capped).
 */
export function featureColumns(meta: DatasetMeta, spec: TaskSpec): ColumnProfile[] {
  const chosen = spec.features ? new Set(spec.features) : null;
  return meta.columns.filter(
    (c) => c.name !== spec.target && (chosen === null ? c.kind !== 'ignored' : chosen.has(c.name)),
  );
}

const MISSING_WORDS: Record<MissingStrategy | 'none', string> = {
  drop: 'drop row',
  mean: 'mean',
  median: 'median',
  mostFrequent: 'most frequent',
  constant: 'constant',
  none: 'none',
};

function refuse(column: string, what: string): UserError {
  return new UserError(`Column "${column}": ${what}`);
}

/** How a column is encoded when it is an input: as a number, as categories, or as date parts. */
export function inputKind(profile: ColumnProfile): 'numeric' | 'categorical' | 'datetime' {
  return profile.type === 'datetime' ? 'datetime' : storedAsNumbers(profile) ? 'numeric' : 'categorical';
}

/** One column's encoding and width under a choice; throws a UserError naming it when the choice does not apply. */
export function planColumn(meta: DatasetMeta, profile: ColumnProfile, choice: ColumnChoice): PlannedFeature {
  const name = profile.name;
  if (profile.missing === meta.rows && meta.rows > 0)
    throw refuse(name, 'every value is missing, so it cannot be an input; set it to ignore.');
  const kind = inputKind(profile);
  const missing = choice.missing ?? null;
  if (missing !== null && !(MISSING_FOR[kind] as readonly string[]).includes(missing)) {
    throw refuse(
      name,
      `missing values cannot be filled with the ${MISSING_WORDS[missing]} of a ${kind === 'categorical' ? 'text' : kind} column (choose ${MISSING_FOR[kind].map((m) => MISSING_WORDS[m]).join(', ')}).`,
    );
  }
  if (missing === 'constant' && (choice.constant === undefined || choice.constant.trim() === ''))
    throw refuse(name, 'missing values are filled with a constant, but no constant is given.');
  if (missing !== 'constant' && choice.constant !== undefined)
    throw refuse(name, 'a constant is given but missing values are not filled with a constant.');
  const constant = missing === 'constant' ? (choice.constant ?? '').trim() : null;
  if (kind !== 'categorical') {
    if (choice.encoding !== undefined)
      throw refuse(name, `the encoding (${choice.encoding}) applies to text columns only.`);
    if (choice.maxCategories !== undefined) throw refuse(name, 'the category cap applies to text columns only.');
  }
  const scaling = choice.scaling ?? 'standardize';
  if (kind === 'numeric') {
    if (constant !== null && !Number.isFinite(Number(constant)))
      throw refuse(name, `the constant fill "${constant}" is not a number.`);
    return { profile, kind, missing, constant, width: 1, scaling };
  }
  if (kind === 'datetime') {
    const parts = dateParts(meta, profile);
    return { profile, kind, missing, constant, width: parts.length, scaling, parts };
  }
  const encoding = choice.encoding ?? 'onehot';
  if (encoding === 'onehot' && choice.scaling !== undefined && choice.scaling !== 'none')
    throw refuse(name, 'one-hot inputs are 0 or 1 and are not scaled; scaling applies to ordinal encoding.');
  const known = profile.categories?.length ?? null;
  const cap = choice.maxCategories ?? null;
  if (known === null && cap === null) {
    throw refuse(
      name,
      `${profile.unique} distinct values are too many to be categories; set a category cap (say 20) to keep the most frequent and fold the rest into "other".`,
    );
  }
  // A cap at or above the number of categories changes nothing: no "other" input.
  const folded = cap !== null && (known === null || cap < known) ? Math.min(cap, profile.unique) : null;
  const categories = folded ?? known ?? 0;
  const width = encoding === 'ordinal' ? 1 : categories + (folded !== null ? 1 : 0);
  return {
    profile,
    kind,
    missing,
    constant,
    width,
    scaling: encoding === 'ordinal' ? scaling : 'none',
    encoding,
    cap: folded,
  };
}

/**
 * Every feature column with its encoding and input width. Throws a UserError naming the column
 * and the choice when a choice does not apply (a cap on a number, a mean of text...).
 */
export function planFeatures(meta: DatasetMeta, spec: TaskSpec): PlannedFeature[] {
  for (const name of Object.keys(spec.columns ?? {})) {
    if (!meta.columns.some((c) => c.name === name))
      throw new UserError(
        `Choices are set for a column "${name}" that is not in ${meta.sourceFile}; choose the target again to clear them.`,
      );
  }
  return featureColumns(meta, spec).map((profile) => planColumn(meta, profile, choiceOf(spec, profile.name)));
}

/** The user's choice for a column ({} when none); hasOwn, so a column named "constructor" reads nothing inherited. */
export function choiceOf(spec: TaskSpec, name: string): ColumnChoice {
  return (spec.columns && Object.hasOwn(spec.columns, name) ? spec.columns[name] : undefined) ?? {};
}
