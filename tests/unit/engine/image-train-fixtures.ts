import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ModelGraph } from '../../../app/graph/schema';

/**
 * A tiny class-folder image dataset drawn with sharp: `perClass` 16×16 PNGs per class, each a
 * coloured shape at a jittered place and size on a noisy background (red discs, green
 * squares, blue bars), plus one corrupt PNG and one text file that an import must skip and list.
 * Every pixel comes from a seeded generator, so the folder is the same on every run.
 */
export const SHAPE_CLASSES = ['bars', 'discs', 'squares'] as const;
export const SIDE = 16;

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function drawShape(kind: (typeof SHAPE_CLASSES)[number], rand: () => number): Buffer {
  const pixels = Buffer.alloc(SIDE * SIDE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rand() * 60);
  const r = 3 + Math.floor(rand() * 3);
  const cx = r + Math.floor(rand() * (SIDE - 2 * r));
  const cy = r + Math.floor(rand() * (SIDE - 2 * r));
  const colour = kind === 'discs' ? [230, 40, 40] : kind === 'squares' ? [40, 220, 60] : [50, 70, 240];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const inside =
        kind === 'discs'
          ? (x - cx) ** 2 + (y - cy) ** 2 <= r * r
          : kind === 'squares'
            ? Math.abs(x - cx) <= r && Math.abs(y - cy) <= r
            : Math.abs(y - cy) <= 1;
      if (inside) for (let c = 0; c < 3; c++) pixels[(y * SIDE + x) * 3 + c] = colour[c]!;
    }
  }
  return pixels;
}

export async function writeShapeFolder(
  root: string,
  perClass = 20,
  seed = 5,
): Promise<{ corrupt: string; notImage: string }> {
  const rand = random(seed);
  for (const kind of SHAPE_CLASSES) {
    await mkdir(path.join(root, kind), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const png = await sharp(drawShape(kind, rand), { raw: { width: SIDE, height: SIDE, channels: 3 } })
        .png()
        .toBuffer();
      await writeFile(path.join(root, kind, `${kind}-${String(k).padStart(2, '0')}.png`), png);
    }
  }
  // A PNG cut short after its header, and notes that are not an image at all.
  const good = await sharp(drawShape('discs', rand), { raw: { width: SIDE, height: SIDE, channels: 3 } })
    .png()
    .toBuffer();
  await writeFile(path.join(root, 'discs', 'broken.png'), good.subarray(0, 40));
  await writeFile(path.join(root, 'squares', 'notes.txt'), 'these are squares\n');
  return { corrupt: 'discs/broken.png', notImage: 'squares/notes.txt' };
}

/** Input (16, 16, 3) → Conv2D 8 → MaxPooling2D → Flatten → Output (softmax over the classes). */
export function smallConvGraph(classes: number, side = SIDE, channels = 3): ModelGraph {
  return {
    version: 2,
    nodes: [
      { id: 'input', type: 'Input', position: { x: 0, y: 0 }, config: { shape: [side, side, channels] } },
      {
        id: 'conv',
        type: 'Conv2D',
        position: { x: 0, y: 100 },
        config: {
          filters: 8,
          kernel_size: [3, 3],
          strides: [1, 1],
          padding: 'same',
          dilation_rate: [1, 1],
          activation: 'relu',
        },
      },
      {
        id: 'pool',
        type: 'MaxPooling2D',
        position: { x: 0, y: 200 },
        config: { pool_size: [2, 2], strides: null, padding: 'valid' },
      },
      { id: 'flatten', type: 'Flatten', position: { x: 0, y: 300 }, config: {} },
      {
        id: 'output',
        type: 'Output',
        position: { x: 0, y: 400 },
        config: { units: classes <= 2 ? 1 : classes, activation: classes <= 2 ? 'sigmoid' : 'softmax' },
      },
    ],
    edges: [
      { id: 'e1', source: 'input', target: 'conv' },
      { id: 'e2', source: 'conv', target: 'pool' },
      { id: 'e3', source: 'pool', target: 'flatten' },
      { id: 'e4', source: 'flatten', target: 'output' },
    ],
  };
}
