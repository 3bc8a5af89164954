import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { formatZodError } from '../../app/ipc/errors';
import { errorCode } from './fs-errors';

export type JsonRead<T> = { ok: true; value: T } | { ok: false; missing: boolean; reason: string };

/**
 * Read and validate a JSON file without throwing, so callers decide what a missing or damaged
 * file means: fatal for the project being opened, a reported problem for one run among many.
 */
export async function readJsonFile<S extends z.ZodType>(path: string, schema: S): Promise<JsonRead<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { ok: false, missing: true, reason: 'the file is missing' };
    return { ok: false, missing: false, reason: `it cannot be read (${code ?? String(error)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, missing: false, reason: 'it is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { ok: false, missing: false, reason: formatZodError(parsed.error) };
  return { ok: true, value: parsed.data };
}
