#!/usr/bin/env node
// Runs the TypeScript sources directly (for `npx idphotos` and `npm start`); the single
// executable bundles the same entry point with esbuild instead.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
await run();
