import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, META_CONTENT_SECURITY_POLICY } from '../../../app/security/csp';
import { cspMeta } from '../../../renderer/vite.config';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const metaOf = (html: string) =>
  /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1] ?? null;

describe("the page's CSP meta tag", () => {
  it('is the header policy, less only frame-ancestors (which a meta tag cannot carry)', async () => {
    const directives = (policy: string) => policy.split('; ').sort();
    expect(directives(META_CONTENT_SECURITY_POLICY)).toEqual(
      directives(CONTENT_SECURITY_POLICY).filter((d) => !d.startsWith('frame-ancestors')),
    );
    expect(META_CONTENT_SECURITY_POLICY).toMatch(/object-src 'none'/);
    expect(META_CONTENT_SECURITY_POLICY).toMatch(/base-uri 'none'/);

    const source = await readFile(path.join(ROOT, 'renderer', 'index.html'), 'utf8');
    const transform = cspMeta.transformIndexHtml as (html: string) => string;
    expect(metaOf(transform(source))).toBe(META_CONTENT_SECURITY_POLICY);
  });

  it('is what the built page carries', async (context) => {
    const built = path.join(ROOT, 'dist', 'renderer', 'index.html');
    if (!existsSync(built)) {
      console.log(`skipped: ${built} is not built (npm run build:renderer)`);
      context.skip();
    }
    expect(metaOf(await readFile(built, 'utf8'))).toBe(META_CONTENT_SECURITY_POLICY);
  });
});
