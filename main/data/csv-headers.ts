import { UserError } from '../../app/ipc/errors';

/** A header row's names, refused with the column position when empty or repeated. */
export function checkHeaders(cells: string[], fileName: string): string[] {
  const seen = new Map<string, number>();
  cells.forEach((name, i) => {
    if (name === '') {
      throw new UserError(
        `${fileName}: column ${i + 1} has no name in the header row. Give every column a name, or import with "no header row".`,
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new UserError(
        `${fileName}: columns ${first + 1} and ${i + 1} are both named "${name}". Column names must be unique.`,
      );
    }
    seen.set(name, i);
  });
  return cells;
}
