import { create } from 'zustand';

/**
 * The CSV file the user last chose or dropped in this window, so that "Re-import" with other
 * options can read it again (host mode has no path to it; the browser holds the File).
 */
export const useLastFile = create<{ file: File | null }>(() => ({ file: null }));

export function rememberFile(file: File): void {
  useLastFile.setState({ file });
}
