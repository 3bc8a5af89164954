import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetMeta } from '../../../app/dataset/schema';
import { DatasetId } from '../../../app/project/schema';
import { UserError } from '../../../app/ipc/errors';
import { importCsvFile, importCsvText, loadColumns, loadDatasetMeta } from '../../../main/data';
import { rejection, useTempDir } from './temp-dir';

const IRIS = fileURLToPath(new URL('../../../resources/iris.csv', import.meta.url));

describe('dataset import and storage', () => {
  const tmp = useTempDir();

  it('stores meta.json and binary columns in <datasetsDir>/<id>/ and reads them back', async () => {
    const datasetsDir = join(tmp(), 'datasets');
    const rows = Array.from(
      { length: 25 },
      (_, i) => `${i === 3 ? 'NA' : i * 1.5},${['red', 'blue', ''][i % 3]},${i % 2 ? 'yes' : 'no'}`,
    );
    const meta = await importCsvText({
      text: ['x,color,label', ...rows].join('\n'),
      fileName: 'My Data (v2).csv',
      datasetsDir,
    });

    expect(DatasetId.safeParse(meta.id).success).toBe(true);
    expect(meta.id).toMatch(/^my-data-v2-[a-z0-9]+$/);
    expect(meta).toMatchObject({ name: 'My Data (v2)', sourceFile: 'My Data (v2).csv', rows: 25 });
    expect(meta.preview).toHaveLength(20);
    expect(meta.preview[1]).toEqual(['1.5', 'blue', 'yes']);
    expect(await readdir(datasetsDir)).toEqual([meta.id]);

    const dir = join(datasetsDir, meta.id);
    expect((await readdir(dir)).sort()).toEqual([
      'col-0.f64',
      'col-1.i32',
      'col-2.i32',
      'dict-1.json',
      'dict-2.json',
      'meta.json',
    ]);
    expect(await loadDatasetMeta(dir)).toEqual(meta);
    expect(DatasetMeta.parse(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')))).toEqual(meta);

    const [x, color, label] = await loadColumns(dir, meta);
    if (!(x instanceof Float64Array)) throw new Error('x should be stored as float64');
    expect(x[0]).toBe(0);
    expect(x[2]).toBe(3);
    expect(Number.isNaN(x[3])).toBe(true);
    if (!color || color instanceof Float64Array) throw new Error('color should be stored as codes');
    expect(color.codes[2]).toBe(-1); // the empty cell
    expect(color.dict[color.codes[0] ?? -1]).toBe('red');
    expect(color.dict[color.codes[1] ?? -1]).toBe('blue');
    if (!label || label instanceof Float64Array) throw new Error('label should be stored as codes');
    expect([...label.codes.slice(0, 4)].map((c) => label.dict[c])).toEqual(['no', 'yes', 'no', 'yes']);
  });

  it('imports the iris file from disk', async () => {
    const meta = await importCsvFile({ path: IRIS, datasetsDir: tmp() });
    expect(meta).toMatchObject({ sourceFile: 'iris.csv', name: 'iris', rows: 150 });
    expect(meta.columns.map((c) => c.kind)).toEqual(['numeric', 'numeric', 'numeric', 'numeric', 'categorical']);
  });

  it('names a file that does not exist', async () => {
    const missing = join(tmp(), 'nope.csv');
    const error = await rejection(importCsvFile({ path: missing, datasetsDir: tmp() }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(missing);
  });

  it('refuses a binary file from disk', async () => {
    const file = join(tmp(), 'photo.csv');
    await writeFile(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    expect((await rejection(importCsvFile({ path: file, datasetsDir: join(tmp(), 'd') }))).message).toContain(
      'photo.csv is a binary file',
    );
  });

  it('reads windows-1252 and UTF-16 files', async () => {
    const latin = join(tmp(), 'latin.csv');
    await writeFile(latin, Buffer.from('city,n\ncaf\xe9,1\ncaf\xe9,2\nbar,3\n', 'latin1'));
    expect((await importCsvFile({ path: latin, datasetsDir: tmp() })).columns[0]?.categories).toEqual(['bar', 'café']);
    const utf16 = join(tmp(), 'u16.csv');
    await writeFile(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('city,n\r\nrome,1\r\nrome,2\r\noslo,3\r\n', 'utf16le')]),
    );
    expect((await importCsvFile({ path: utf16, datasetsDir: tmp() })).columns[0]?.categories).toEqual(['oslo', 'rome']);
  });

  it('names the folder when the datasets folder cannot be written', async () => {
    // Tests run as root, so chmod would not stop the write: use a path under a regular file.
    const blocker = join(tmp(), 'a-file');
    await writeFile(blocker, 'x');
    const datasetsDir = join(blocker, 'sub');
    const error = await rejection(importCsvText({ text: 'a,b\n1,2\n3,4\n', fileName: 'x.csv', datasetsDir }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      `Cannot write ${datasetsDir}: part of the path is a file, not a folder. Choose another folder.`,
    );
  });

  it('leaves nothing behind when an import fails', async () => {
    const datasetsDir = join(tmp(), 'datasets');
    await mkdir(datasetsDir);
    const error = await rejection(importCsvText({ text: 'a,b,c\n1,2,3\n4,5\n', fileName: 'bad.csv', datasetsDir }));
    expect(error.message).toContain('bad.csv, row 3: expected 3 fields but found 2');
    expect(await readdir(datasetsDir)).toEqual([]);
  });

  it('explains a missing or damaged meta.json', async () => {
    const dir = join(tmp(), 'ds');
    expect((await rejection(loadDatasetMeta(dir))).message).toContain('meta.json is missing');
    await mkdir(dir);
    await writeFile(join(dir, 'meta.json'), '{"id": 3}');
    const message = (await rejection(loadDatasetMeta(dir))).message;
    expect(message).toContain(`${join(dir, 'meta.json')} is damaged`);
    expect(message).toContain('Import the data again');
  });

  it('explains a damaged column file', async () => {
    const meta = await importCsvText({ text: 'a,b\n1,x\n2,y\n', fileName: 't.csv', datasetsDir: tmp() });
    const dir = join(tmp(), meta.id);
    await writeFile(join(dir, 'col-0.f64'), Buffer.alloc(3));
    expect((await rejection(loadColumns(dir, meta))).message).toContain('col-0.f64 (column "a") has the wrong size');
  });
});
