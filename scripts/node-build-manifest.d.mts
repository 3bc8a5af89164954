// Types of scripts/node-build-manifest.mjs, for the tests.
export declare const NODE_DIST: string;
export declare const MANIFEST_NAME: string;
export declare function manifestPath(root: string): string;
export declare function checkNodeBuild(root: string): { fresh: true } | { fresh: false; reason: string };
export declare function writeManifest(
  root: string,
  build: { inputs: Iterable<string>; outputs: Iterable<string>; startedMs: number },
): void;
