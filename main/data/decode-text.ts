/**
 * The text of a CSV file. UTF-8 is the norm; a file with a UTF-16 byte-order mark (Excel's
 * "Unicode text") is read as UTF-16; a file that is not valid UTF-8 is most likely an older
 * Windows export in windows-1252, which is read as such rather than filled with "\uFFFD".
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
