/**
 * Where an import's files come from (a folder or a zip), behind one shape so that the importer
 * does not care. Paths are relative, with "/" separators, as shown to the user.
 */
export interface SourceFile {
  path: string;
}

export interface ImageSource {
  /** The folder or zip's base name, for the dataset's name and messages. */
  name: string;
  files: SourceFile[];
  /** Folders that exist, even empty ones (an empty class folder is reported, not silently lost). */
  dirs: string[];
  /**
   * The files that will be read, in the order they will be asked for: a zip inflates ahead in
   * that order (its own order can be anything). Call once before reading.
   */
  plan(order: readonly SourceFile[]): void;
  /** The bytes of one file, or the reason it cannot be read; asked for in planned order, a few at a time. */
  read(file: SourceFile): Promise<Uint8Array | { reason: string }>;
}

/** A single file bigger than this is skipped: even a 100-megapixel PNG is smaller. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;
