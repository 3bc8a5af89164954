import { describe, expect, it } from 'vitest';
import { NumberRows } from '../../../main/data/csv-number-rows';
import { readCsv, PREVIEW_ROWS } from '../../../main/data/csv-reader';

/** readCsv over a text, in small chunks so that records are cut at chunk ends too. */
async function read(text: string, chunk = 977) {
  const bytes = Buffer.from(text, 'utf8');
  return readCsv({
    fileName: 'n.csv',
    totalBytes: bytes.length,
    open: async function* () {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    },
  });
}

/** PREVIEW_ROWS plain rows first: the fast path starts once the preview is full. */
const warmUp = (columns: number, value = '1') =>
  `${Array.from({ length: columns }, () => value).join(',')}\n`.repeat(PREVIEW_ROWS + 1);

const TRICKY = [
  '0.1',
  '0.2',
  '0.3',
  '4.35',
  '1e-320',
  '2.2250738585072014e-308',
  '4.9e-324',
  '1.7976931348623157e308',
  '1.2345678901234567',
  '9007199254740993',
  '9007199254740992',
  '123456789012345',
  '1234567890123456',
  '0.000000000000000000001',
  '0.0000000000000000000001',
  '0.00000000000000000000001',
  '1e22',
  '1e23',
  '-0',
  '-0.0',
  '+0',
  '0e5',
  '-.5',
  '5.',
  '+7',
  '1E+05',
  '1e-5',
  '12.5e-3',
  '00012',
  '0.1000000000000000055511151231257827',
  '3.141592653589793',
  '2.718281828459045',
  '-123.456',
  '99999999999999.9',
  '999999999999999',
  '9999999999999999',
  '1.5e300',
  '7e-300',
  '123456.789e10',
  '1e-22',
  '1e-23',
  '100e-24',
  // More than 15 digits, of which leading zeros: significant 5, 15 and 16.
  '00000000000000000123.25',
  '0.00000123456789012345',
  '0.000001234567890123456',
  '0000000000000001.5e1',
  // Each part is summed as an int32 up to 9 digits, as a double past that.
  '999999999.999999',
  '1000000000.5',
  '2147483647.25',
  '-2147483648.75',
  '4294967296.125',
  '0.123456789',
  '0.1234567891',
  '12345.1234567891',
  '123456789.123456',
];

describe('CSV fast path: numbers straight from the bytes', () => {
  it('gives exactly the double Number() gives, on tricky spellings and on random ones', async () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const cells = [...TRICKY];
    for (let i = 0; i < 3000; i += 1) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      const digits = 1 + Math.floor(random() * 17);
      cells.push(
        i % 3 === 0
          ? value.toExponential(digits - 1)
          : i % 3 === 1
            ? value.toPrecision(digits)
            : value.toFixed(Math.floor(random() * 12)),
      );
    }
    const width = 3;
    while (cells.length % width !== 0) cells.push('1');
    let text = `a,b,c\n${warmUp(width)}`;
    for (let i = 0; i < cells.length; i += width) text += `${cells.slice(i, i + width).join(',')}\n`;
    const result = await read(text);
    const skip = PREVIEW_ROWS + 1;
    expect(result.rows).toBe(skip + cells.length / width);
    cells.forEach((cell, i) => {
      const column = result.columns[i % width];
      if (!(column instanceof Float64Array)) throw new Error('not numbers');
      const got = column[skip + Math.floor(i / width)];
      if (!Object.is(got, Number(cell))) expect({ cell, got }).toEqual({ cell, got: Number(cell) });
    });
  });

  it("takes plain decimals with Clinger's exact path and leaves what could round differently to Number()", () => {
    const taken: string[] = [];
    for (const cell of TRICKY) {
      const column = new Float64Array(1);
      const rows = new NumberRows(',', false, [column], 0, 1);
      rows.take(Buffer.from(`${cell}\n`), 0);
      if (rows.taken === 0) continue;
      taken.push(cell);
      expect({ cell, value: column[0] }).toEqual({ cell, value: Number(cell) });
      expect(Object.is(column[0], Number(cell))).toBe(true);
    }
    expect(taken).toEqual(
      expect.arrayContaining([
        '0.1',
        '4.35',
        '-0',
        '-0.0',
        '1e22',
        '123456789012345',
        '0.0000000000000000000001',
        '-.5',
        '5.',
        '+7',
        '1E+05',
        '00000000000000000123.25',
        '0.00000123456789012345',
        '0000000000000001.5e1',
      ]),
    );
    for (const slow of [
      '1e-320',
      '9007199254740993',
      '1.2345678901234567',
      '1234567890123456',
      '1e23',
      '0.00000000000000000000001',
      '4.9e-324',
      '1.5e300',
      '0.000001234567890123456',
    ]) {
      expect(taken).not.toContain(slow);
    }
  });

  it('reads decimal commas exactly, with a semicolon delimiter', async () => {
    const cells = ['0,1', '-0,5', '1234,5678', '3', ',25', '1,5e3', '0,30000000000000004', '-0'];
    const text = `x;y\n${warmUp(2, '1,5').replaceAll(',', ';').replaceAll('1;5', '1,5')}${cells.map((c) => `${c};${c}`).join('\n')}\n`;
    const result = await read(text);
    expect(result.dialect.decimalComma).toBe(true);
    const column = result.columns[1];
    if (!(column instanceof Float64Array)) throw new Error('not numbers');
    expect([...column.subarray(PREVIEW_ROWS + 1)]).toEqual(cells.map((c) => Number(c.replace(',', '.'))));
    expect(Object.is(column[column.length - 1], -0)).toBe(true);
  });

  it('gives up a record at the first thing it is not sure of, and the general path reads it as it would alone', async () => {
    const odd = [
      '"4",5,6',
      '7,NA,9',
      '',
      ',,',
      '1, 2,3',
      '1.5,2e1,-3',
      '-,1,2',
      '1e5,"x\ny",2',
      '12345678901234567,1,2',
      '5,6,7',
      '1e,2,3',
      '8,9,10',
    ];
    const values = (result: Awaited<ReturnType<typeof read>>, j: number, from: number, count: number) => {
      const column = result.columns[j];
      if (column instanceof Float64Array) return [...column.subarray(from, from + count)];
      return [...(column?.codes.subarray(from, from + count) ?? [])].map((code) =>
        code < 0 ? null : column?.dict[code],
      );
    };
    // After the preview the fast path is on; within it, every record takes the general path.
    const fast = await read(`a,b,c\n${warmUp(3)}${odd.join('\n')}\n`);
    const slow = await read(`a,b,c\n${odd.join('\n')}\n${warmUp(3)}`);
    const records = slow.rows - (PREVIEW_ROWS + 1);
    expect(records).toBe(odd.length - 2);
    expect(fast.rows).toBe(slow.rows);
    for (let j = 0; j < 3; j += 1)
      expect(values(fast, j, PREVIEW_ROWS + 1, records)).toEqual(values(slow, j, 0, records));
    expect(values(slow, 0, 0, records)).toEqual([
      '4',
      '7',
      '1',
      '1.5',
      null,
      '100000',
      '12345678901234568',
      '5',
      '1e',
      '8',
    ]);
    expect(values(fast, 1, PREVIEW_ROWS + 1, records)).toEqual(['5', null, '2', '20', '1', 'x\ny', '1', '6', '2', '9']);
    expect(values(fast, 2, PREVIEW_ROWS + 1, records)).toEqual([6, 9, 3, -3, 2, 2, 2, 7, 3, 10]);
  });

  it('names the row of a wrong field count as the general path does', async () => {
    const error = await read(`a,b,c\n${warmUp(3)}1,2,3\n"x\ny",1,2\n10,11\n`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      `n.csv, row ${PREVIEW_ROWS + 6}: expected 3 fields but found 2. Check the delimiters and quotes on that line.`,
    );
  });

  it('takes whole records only: stops before a quote, a lone CR, a record cut by the end, and counts them', () => {
    const columns = [new Float64Array(8), new Float64Array(8)];
    const rows = new NumberRows(',', false, columns, 0, 8);
    const bytes = Buffer.from('1,2\r\n3,4\n5,"6"\n7,8\n');
    expect(rows.take(bytes, 0)).toBe(bytes.indexOf('5,"6"'));
    expect(rows.taken).toBe(2);
    expect(rows.row).toBe(2);
    expect([...columns[0]!.subarray(0, 2), ...columns[1]!.subarray(0, 2)]).toEqual([1, 3, 2, 4]);
    const lone = Buffer.from('1,2\r3,4\n');
    expect(rows.take(lone, 0)).toBe(0);
    expect(rows.taken).toBe(0);
    const cut = Buffer.from('9,9\n1,2');
    expect(rows.take(cut, 0)).toBe(4);
    expect(rows.taken).toBe(1);
    const crAtEnd = Buffer.from('1,2\r');
    expect(rows.take(crAtEnd, 0)).toBe(0);
  });

  it("stops at the columns' capacity", () => {
    const columns = [new Float64Array(2)];
    const rows = new NumberRows(',', false, columns, 0, 2);
    expect(rows.take(Buffer.from('1\n2\n3\n'), 0)).toBe(4);
    expect(rows.taken).toBe(2);
  });

  it('reads a source that reads every chunk into one buffer as a file does, whether the sniffed head takes one chunk or several', async () => {
    const rows = Array.from(
      { length: 12_000 },
      (_, i) => `${i},${(i * 0.37).toFixed(2)},${i % 5 === 0 ? 'five' : 'other'}`,
    );
    const text = `\uFEFFn,x,label\n${rows.join('\n')}\n`;
    const bytes = Buffer.from(text, 'utf8');
    const expected = await read(text.slice(1), 4096);
    for (const chunk of [1000, 70_000]) {
      const result = await readCsv({
        fileName: 'n.csv',
        totalBytes: bytes.length,
        open: async function* () {
          const buffer = Buffer.alloc(chunk);
          for (let i = 0; i < bytes.length; i += chunk) {
            const length = bytes.copy(buffer, 0, i, i + chunk);
            yield buffer.subarray(0, length);
            // What the next read into the same buffer does to a chunk someone kept.
            buffer.fill(0x39);
          }
        },
      });
      expect({ chunk, rows: result.rows, headers: result.headers, preview: result.preview }).toEqual({
        chunk,
        rows: 12_000,
        headers: ['n', 'x', 'label'],
        preview: expected.preview,
      });
      expect(result.columns).toEqual(expected.columns);
      expect(result.dialect.bom).toBe(true);
    }
  });
});
