import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../app/ipc/errors';
import { writeFileAtomic, writeJsonAtomic } from '../../../main/data';
import { rejection, useTempDir } from './temp-dir';

describe('writeFileAtomic', () => {
  const tmp = useTempDir();

  it('writes text and bytes, replaces old content and leaves no temp file', async () => {
    const file = join(tmp(), 'a.txt');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new content');
    expect(await readFile(file, 'utf8')).toBe('new content');
    await writeFileAtomic(join(tmp(), 'b.bin'), new Uint8Array([1, 2, 255]));
    expect([...(await readFile(join(tmp(), 'b.bin')))]).toEqual([1, 2, 255]);
    expect((await readdir(tmp())).sort()).toEqual(['a.txt', 'b.bin']);
  });

  it('writes pretty JSON with a final newline', async () => {
    const file = join(tmp(), 'x.json');
    await writeJsonAtomic(file, { a: 1, b: [true] });
    expect(await readFile(file, 'utf8')).toBe('{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  });

  it('names the path when the folder cannot be written (a path under a regular file)', async () => {
    // Tests run as root, so chmod would not block the write; a file where a folder should be does.
    const blocker = join(tmp(), 'plain-file');
    await writeFile(blocker, 'x');
    const target = join(blocker, 'sub', 'project.json');
    const error = await rejection(writeFileAtomic(target, 'x'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(`Cannot write ${target}:`);
    expect(error.message).toContain('Choose another folder.');
  });

  it('removes its temp file when the final rename fails', async () => {
    // A non-empty folder where the file should go: the write succeeds, the rename cannot.
    const target = join(tmp(), 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x');
    const error = await rejection(writeFileAtomic(target, 'data'));
    expect(error.message).toContain(`Cannot write ${target}:`);
    expect(await readdir(tmp())).toEqual(['taken']);
  });
});
