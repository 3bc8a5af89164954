import type { BrowseReply } from '../../../../app/ipc/host-files';
import type { DialogKind } from '../../../../app/ipc/native-host';

export type { DialogKind };

/** Bytes of a file on their way to the main side. */
export interface TransferProgress {
  sent: number;
  total: number;
}

/**
 * What the view may ask of whatever hosts it (netron's design): the view reads `capabilities`
 * and offers only what its host does natively. The desktop app opens native dialogs and hands
 * main the user's own paths; a browser streams files to the host server, browses the server's
 * allowed folders and downloads what the host wrote.
 */
export interface Host {
  readonly kind: 'electron' | 'browser';
  readonly capabilities: {
    /** Open and save dialogs of the operating system, answering paths on the main side. */
    readonly nativeDialogs: boolean;
    /** A dialog listing the host's own files (the workspace and --data-root folders). */
    readonly serverFiles: boolean;
    /** Files from this computer are uploaded to the host before they are imported. */
    readonly uploads: boolean;
    /** Files the host wrote (an export) can be downloaded to this computer. */
    readonly downloads: boolean;
    /** "Show in folder": the system file manager opens at a path. */
    readonly reveal: boolean;
  };
  /** A native open dialog: the chosen paths, or null when the user cancelled. */
  openDialog(kind: DialogKind): Promise<string[] | null>;
  /** A native save dialog (a folder for an export): the chosen path, or null. */
  saveDialog(kind: DialogKind, defaultName?: string): Promise<string | null>;
  /**
   * A file the user gave the window (dropped, or chosen with a file input) as a path the main
   * side can open: the desktop app's own path for it, or an upload streamed to the host.
   */
  pathOf(file: File, options?: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal }): Promise<string>;
  /**
   * A folder the user gave the window as its files (each with its path below the folder's parent,
   * "pets/cats/a.png") as a path the main side can open: streamed to the host, a few files at once.
   */
  pathOfFolder(
    files: readonly { path: string; file: File }[],
    options?: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal },
  ): Promise<string>;
  /** The host's files: its roots (no path) or one folder inside them. */
  browse(path?: string): Promise<BrowseReply>;
  /** Download a file or folder (as .zip) the host wrote. */
  download(path: string): void;
  /** Open the system file manager at a path. */
  reveal(path: string): Promise<void>;
}

/** What a host says when the view asks for something it cannot do (the view checks capabilities first). */
export class HostCannot extends Error {
  constructor(what: string, host: string) {
    super(`${what} is not available in ${host}.`);
  }
}
