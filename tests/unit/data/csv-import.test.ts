import { readdirSync, readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { importCsvFile, importCsvText, loadColumns, parseCsv, type ImportProgress } from '../../../main/data';
import { rejection, useTempDir } from './temp-dir';

const numbersOf = async (
  dir: string,
  meta: Awaited<ReturnType<typeof importCsvFile>>,
  j: number,
): Promise<number[]> => {
  const column = (await loadColumns(join(dir, meta.id), meta))[j];
  if (!(column instanceof Float64Array)) throw new Error(`column ${j} is not stored as numbers`);
  return [...column];
};

describe('CSV import: dialects, encodings and overrides', () => {
  const tmp = useTempDir();
  const file = async (name: string, content: string | Uint8Array) => {
    const path = join(tmp(), name);
    await writeFile(path, content);
    return path;
  };

  it('reads semicolons with decimal commas as numbers', async () => {
    const path = await file('eu.csv', 'länge;breite;art\n1,5;2,25;a\n3,0;4;b\n-0,75;;a\n');
    const meta = await importCsvFile({ path, datasetsDir: tmp() });
    expect(meta.csv).toMatchObject({ delimiter: ';', decimalComma: true, header: true, encoding: 'utf-8' });
    expect(meta.columns.map((c) => c.name)).toEqual(['länge', 'breite', 'art']);
    expect(await numbersOf(tmp(), meta, 0)).toEqual([1.5, 3, -0.75]);
    const breite = await numbersOf(tmp(), meta, 1);
    expect(breite.slice(0, 2)).toEqual([2.25, 4]);
    expect(Number.isNaN(breite[2])).toBe(true);
  });

  it('keeps "3,0" as text when the user turns decimal comma off', async () => {
    const path = await file('eu.csv', 'a;b\n1,5;x\n3,0;y\n2,5;x\n');
    const meta = await importCsvFile({ path, datasetsDir: tmp(), options: { decimalComma: false } });
    expect(meta.csv?.decimalComma).toBe(false);
    expect(meta.columns[0]?.kind).not.toBe('numeric');
  });

  it('strips a UTF-8 BOM and reads CRLF, missing cells and quoted newlines', async () => {
    const text = '\ufeffid,note,score\r\n1,"two\r\nlines",2.5\r\n2,,\r\n3,plain,4\r\n';
    const meta = await importCsvFile({ path: await file('excel.csv', text), datasetsDir: tmp() });
    expect(meta.csv).toMatchObject({ bom: true, lineBreak: '\r\n', encoding: 'utf-8' });
    expect(meta.columns.map((c) => c.name)).toEqual(['id', 'note', 'score']);
    expect(meta.preview).toEqual([
      ['1', 'two\r\nlines', '2.5'],
      ['2', '', ''],
      ['3', 'plain', '4'],
    ]);
    expect(meta.columns[2]).toMatchObject({ missing: 1, min: 2.5, max: 4 });
  });

  it('reads windows-1252 bytes, even when the first non-UTF-8 byte is far into the file', async () => {
    const head = Buffer.from(`city,n\n${'oslo,1\n'.repeat(20_000)}`, 'latin1');
    const path = await file('latin.csv', Buffer.concat([head, Buffer.from('caf\u00e9,2\n', 'latin1')]));
    const meta = await importCsvFile({ path, datasetsDir: tmp() });
    expect(meta.csv?.encoding).toBe('windows-1252');
    expect(meta.columns[0]?.categories).toEqual(['café', 'oslo']);
  });

  it('reads UTF-16 with a BOM, and honours an explicit encoding', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name;v\nzürich;1\nrome;2\n', 'utf16le')]);
    const meta = await importCsvFile({ path: await file('u16.csv', utf16), datasetsDir: tmp() });
    expect(meta.csv).toMatchObject({ encoding: 'utf-16le', delimiter: ';', bom: true });
    expect(meta.columns[0]?.categories).toEqual(['rome', 'zürich']);
    const forced = await importCsvFile({
      path: await file('u8.csv', 'name,v\nzürich,1\nrome,2\n'),
      datasetsDir: tmp(),
      options: { encoding: 'windows-1252' },
    });
    expect(forced.columns[0]?.categories).toEqual(['rome', 'zÃ¼rich']);
  });

  it('detects a header-less file and names its columns column_1..n; the user can override', async () => {
    const path = await file('raw.csv', '5.1,3.5,setosa\n4.9,3.0,setosa\n6.2,2.9,versicolor\n');
    const meta = await importCsvFile({ path, datasetsDir: tmp() });
    expect(meta.csv?.header).toBe(false);
    expect(meta.rows).toBe(3);
    expect(meta.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3']);
    const withHeader = await importCsvFile({ path, datasetsDir: tmp(), options: { header: true } });
    expect(withHeader.rows).toBe(2);
    expect(withHeader.columns.map((c) => c.name)).toEqual(['5.1', '3.5', 'setosa']);
  });

  it('honours delimiter and quote overrides', async () => {
    const path = await file('odd.csv', "a|b\n'x|y'|1\n'z'|2\n");
    const meta = await importCsvFile({ path, datasetsDir: tmp(), options: { quoteChar: "'" } });
    expect(meta.preview).toEqual([
      ['x|y', '1'],
      ['z', '2'],
    ]);
    const one = await importCsvFile({
      path: await file('c.csv', 'a,b\n1,2\n3,4\n'),
      datasetsDir: tmp(),
      options: { delimiter: ';' },
    });
    expect(one.columns.map((c) => c.name)).toEqual(['a,b']);
  });

  it('gives the streaming import the same cells as parseCsv on the csv-spectrum corpus', async () => {
    const root = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'));
    for (const name of readdirSync(join(root, 'csvs'))) {
      const path = join(root, 'csvs', name);
      const meta = await importCsvFile({ path, datasetsDir: tmp() });
      const parsed = parseCsv(readFileSync(path, 'utf8'), name);
      expect(
        meta.columns.map((c) => c.name),
        name,
      ).toEqual(parsed.headers);
      expect(meta.preview, name).toEqual(parsed.rows);
    }
  });

  it('refuses a header-only file and a binary file with the file name', async () => {
    expect((await rejection(importCsvFile({ path: await file('h.csv', 'a,b\n'), datasetsDir: tmp() }))).message).toBe(
      'h.csv has a header row but no data rows.',
    );
    expect(
      (await rejection(importCsvFile({ path: await file('b.csv', Buffer.from([1, 2, 0, 3, 10])), datasetsDir: tmp() })))
        .message,
    ).toContain('b.csv is a binary file');
  });
});

describe('CSV import: large files', () => {
  const tmp = useTempDir();
  // Two 4 MiB chunks and a bit: enough to report progress and to be cancelled half-way.
  const bigCsv = () => `x,y,label\n${'1.25,-3,a\n4.5,6e2,b\n'.repeat(250_000)}`;

  it('streams in chunks, reporting progress up to the whole file, into typed columns', async () => {
    const path = join(tmp(), 'big.csv');
    const text = bigCsv();
    await writeFile(path, text);
    const seen: ImportProgress[] = [];
    const meta = await importCsvFile({ path, datasetsDir: join(tmp(), 'datasets'), onProgress: (p) => seen.push(p) });
    expect(meta.rows).toBe(500_000);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.map((p) => p.bytesRead)).toEqual([...seen.map((p) => p.bytesRead)].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ bytesRead: text.length, totalBytes: text.length, rows: 500_000 });
    const columns = await loadColumns(join(tmp(), 'datasets', meta.id), meta);
    expect(columns[0]).toBeInstanceOf(Float64Array);
    expect((columns[1] as Float64Array).slice(0, 2)).toEqual(new Float64Array([-3, 600]));
    expect(meta.columns[0]).toMatchObject({ type: 'numeric', unique: 2, min: 1.25, max: 4.5 });
  });

  it('leaves nothing behind when cancelled half-way', async () => {
    const path = join(tmp(), 'big.csv');
    await writeFile(path, bigCsv());
    const datasetsDir = join(tmp(), 'datasets');
    const controller = new AbortController();
    let reports = 0;
    const error = await rejection(
      importCsvFile({
        path,
        datasetsDir,
        signal: controller.signal,
        onProgress: (p) => {
          reports += 1;
          if (p.bytesRead < p.totalBytes) controller.abort();
        },
      }),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('The import of big.csv was cancelled.');
    expect(reports).toBe(1);
    expect(await readdir(datasetsDir).catch(() => [])).toEqual([]);
  });

  it('imports text given as a string the same way', async () => {
    const meta = await importCsvText({ text: 'a;b\n1,5;x\n2,5;y\n', fileName: 'drop.csv', datasetsDir: tmp() });
    expect(meta.csv).toMatchObject({ delimiter: ';', decimalComma: true });
    expect(meta.columns[0]).toMatchObject({ kind: 'numeric', min: 1.5, max: 2.5 });
  });
});
