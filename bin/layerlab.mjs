#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx, so `npx layerlab` works from a
// checkout without a build step. The engine process is forked the same way.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
