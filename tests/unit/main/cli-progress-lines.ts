/**
 * stderr of a CLI command without its progress lines (main/cli/progress-line.ts: "Building the
 * image cache of …: …", "Exporting to …: Step n of m: …"), which it writes off a terminal too, so
 * a test can still say that a command printed no warning or error.
 */
export function withoutProgress(stderr: string): string {
  return stderr.replace(/^(Building the image cache of|Exporting to) [^\n]*?: [^\n]*\n?/gm, '');
}
