/** Row numbers written per piece of the file. */
const PIECE = 1 << 16;

/**
 * A JSON object of `fields` followed by long lists of row numbers (split.json,
 * validation-rows.json), as pieces of UTF-8 for writeFileAtomic: 10,000,000 rows indented by
 * JSON.stringify were one 130 MB string and its 130 MB of bytes at once. Compact, and the same
 * value JSON.parse gives back. A list may be an integer typed array (4 bytes a row, not 8).
 */
export function* rowListsJson(
  fields: Record<string, unknown>,
  lists: Record<string, readonly number[] | Int32Array | Uint32Array>,
): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const head = JSON.stringify(fields);
  let open = head.slice(0, -1);
  let first = head === '{}';
  for (const [name, rows] of Object.entries(lists)) {
    yield encoder.encode(`${open}${first ? '' : ','}${JSON.stringify(name)}:[`);
    for (let start = 0; start < rows.length; start += PIECE)
      yield encoder.encode(`${start > 0 ? ',' : ''}${rows.slice(start, start + PIECE).join(',')}`);
    open = ']';
    first = false;
  }
  yield encoder.encode(`${open}}\n`);
}
