import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { importCsvText } from '../../../main/data';
import { rejection, useTempDir } from './temp-dir';

// The disk "fills up" while the second column is written: the import must remove its temp folder.
vi.mock('../../../main/data/column-store', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../main/data/column-store')>();
  return {
    ...original,
    writeColumn: async (...args: Parameters<typeof original.writeColumn>) => {
      if (args[1] === 1) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return original.writeColumn(...args);
    },
  };
});

describe('a failed import', () => {
  const tmp = useTempDir();

  it('removes its temp folder when a write fails half-way', async () => {
    const datasetsDir = join(tmp(), 'datasets');
    const error = await rejection(importCsvText({ text: 'a,b\n1,x\n2,y\n', fileName: 't.csv', datasetsDir }));
    expect(error.message).toBe(
      `Cannot write ${datasetsDir}: the disk is full. Free some space on that disk, then try again.`,
    );
    expect(await readdir(datasetsDir)).toEqual([]);
  });
});
