import { z } from 'zod';

/** Characters of base64 that carry `bytes` raw bytes. */
export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/** A byte count for a message: "16 MiB". */
export const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;

/** File bytes sent as base64 text, at most `maxBytes` raw bytes (`tooLarge` says so in the field's words). */
export const base64Bytes = (maxBytes: number, tooLarge: string) =>
  z
    .string()
    .max(base64Length(maxBytes), tooLarge)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'file data must be base64');
