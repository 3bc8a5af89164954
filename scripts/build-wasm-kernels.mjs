#!/usr/bin/env node
/**
 * Builds the engine's own wasm kernels (main/engine/process/accelerations/native/) from their WebAssembly text source
 * with wabt's wat2wasm (Debian: apt-get install wabt):
 *
 *   node scripts/build-wasm-kernels.mjs           # writes kernels-relaxed.wasm and kernels-simd.wasm
 *   node scripts/build-wasm-kernels.mjs --check   # exits 1 if the committed files differ from the source
 *
 * kernels.wat is written with relaxed-SIMD multiply-adds. The plain-SIMD128 build, for runtimes
 * without relaxed SIMD, is derived from it by rewriting each `(f32x4.relaxed_madd a b c)` as
 * `(f32x4.add (f32x4.mul a b) c)`. Both builds are deterministic (no names section, no dates),
 * so running this again gives the same bytes, which the --check mode and a unit test rely on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NATIVE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'main',
  'engine',
  'process',
  'accelerations',
  'native',
);
const SOURCE = path.join(NATIVE, 'kernels.wat');
const MADD = /\(f32x4\.relaxed_madd (\(local\.get \$\w+\)) (\(local\.get \$\w+\)) (\(local\.get \$\w+\))\)/g;

/** The plain-SIMD128 text: every relaxed multiply-add as a separate multiply and add. */
export function withoutRelaxedSimd(text) {
  const plain = text.replace(MADD, '(f32x4.add (f32x4.mul $1 $2) $3)');
  if (/relaxed_/.test(plain.replace(/;;.*$/gm, '')))
    throw new Error(
      `${SOURCE}: a relaxed-SIMD instruction is not in the form "(f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c))"`,
    );
  return plain;
}

function assemble(text, relaxed) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'layerlab-wat-'));
  try {
    const input = path.join(dir, 'kernels.wat');
    const output = path.join(dir, 'kernels.wasm');
    writeFileSync(input, text);
    execFileSync('wat2wasm', [...(relaxed ? ['--enable-relaxed-simd'] : []), input, '-o', output], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    return readFileSync(output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both builds from the source, as bytes, keyed by their file names. */
export function buildKernels() {
  const text = readFileSync(SOURCE, 'utf8');
  return {
    'kernels-relaxed.wasm': assemble(text, true),
    'kernels-simd.wasm': assemble(withoutRelaxedSimd(text), false),
  };
}

function main() {
  const check = process.argv.includes('--check');
  let built;
  try {
    built = buildKernels();
  } catch (error) {
    const missing = error && error.code === 'ENOENT';
    console.error(
      missing
        ? 'wat2wasm was not found: install wabt (apt-get install wabt) to build the wasm kernels.'
        : `building the wasm kernels failed: ${error.message}`,
    );
    process.exit(2);
  }
  let stale = 0;
  for (const [name, bytes] of Object.entries(built)) {
    const file = path.join(NATIVE, name);
    if (check) {
      let committed = null;
      try {
        committed = readFileSync(file);
      } catch {
        // reported below as different
      }
      if (!committed || !committed.equals(bytes)) {
        console.error(`${file} does not match ${SOURCE}: run node scripts/build-wasm-kernels.mjs`);
        stale++;
      }
    } else {
      writeFileSync(file, bytes);
      console.log(`wrote ${path.relative(process.cwd(), file)} (${bytes.length} bytes)`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
