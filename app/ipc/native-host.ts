import { z } from 'zod';

/**
 * What only the desktop app can do for the view: native open and save dialogs, the path of a
 * dropped file, "show in folder". These channels are not part of the contract (host mode has no
 * such thing); Electron's preload exposes them on `window.layerlabHost` and main validates every
 * input with these schemas (main/electron/native-host.ts).
 */

/** What a dialog is for: it picks the filters, the title and the remembered folder. */
export const DialogKind = z.enum(['csv', 'images-folder', 'images-zip', 'model', 'export-folder']);
export type DialogKind = z.infer<typeof DialogKind>;

export const NATIVE_HOST_CHANNELS = ['host.openDialog', 'host.saveDialog', 'host.reveal'] as const;
export type NativeHostChannel = (typeof NATIVE_HOST_CHANNELS)[number];

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path');

export const nativeHostInputs = {
  'host.openDialog': z.object({ kind: DialogKind }).strict(),
  'host.saveDialog': z
    .object({
      kind: DialogKind,
      /** The name offered in the dialog (a bare file or folder name). */
      defaultName: z
        .string()
        .max(255)
        .refine((n) => !/[/\\]/.test(n), 'a plain name, without folders')
        .optional(),
    })
    .strict(),
  'host.reveal': z.object({ path: AbsolutePath }).strict(),
} as const;

/** Chosen paths; an empty list when the user cancelled. */
export const DialogResult = z.object({ paths: z.array(z.string()) });
export type DialogResult = z.infer<typeof DialogResult>;

/** `window.layerlabHost` in Electron. Every call answers like the contract's channels: `{ok, value}` or `{ok: false, error}`. */
export interface NativeHostBridge {
  openDialog(input: { kind: DialogKind }): Promise<{ ok: true; value: DialogResult } | { ok: false; error: string }>;
  saveDialog(input: {
    kind: DialogKind;
    defaultName?: string;
  }): Promise<{ ok: true; value: DialogResult } | { ok: false; error: string }>;
  reveal(input: { path: string }): Promise<{ ok: true; value: null } | { ok: false; error: string }>;
  /** The path of a dropped or chosen File (Electron's webUtils.getPathForFile); "" when it has none. */
  pathForFile(file: object): string;
}
