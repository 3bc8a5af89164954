import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../main/data';

// csv-spectrum: a public corpus of CSV edge cases, each with the JSON it must parse to.
const root = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
const names = readdirSync(join(root, 'csvs')).filter((f) => f.endsWith('.csv'));

describe('csv-spectrum', () => {
  it('has its corpus installed', () => expect(names.length).toBeGreaterThanOrEqual(12));

  it.each(names)('%s parses exactly as its expected JSON', (name) => {
    const text = readFileSync(join(root, 'csvs', name), 'utf8');
    let expected = JSON.parse(readFileSync(join(root, 'json', name.replace(/\.csv$/, '.json')), 'utf8')) as Record<
      string,
      string
    >[];
    if (name === 'location_coordinates.csv') {
      // The corpus's own slip: this JSON is a bare object, not a list of rows, and its phone
      // number (1234567890) is not the one in the CSV (2095257564). Every other byte must match.
      expect(expected).toMatchObject({ 'Contact Phone Number': '1234567890' });
      expected = [{ ...(expected as unknown as Record<string, string>), 'Contact Phone Number': '2095257564' }];
    }
    const { headers, rows } = parseCsv(text, name);
    expect(rows.map((row) => Object.fromEntries(headers.map((h, j) => [h, row[j]])))).toEqual(expected);
  });
});
