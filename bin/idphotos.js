#!/usr/bin/env node
// Runs the TypeScript sources directly (for `npx idphotos` and `npm start`); the single
// executable bundles the same entry point with esbuild instead.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// NB: tsx looks for tsconfig.json in the current folder; run from anywhere else (`npx idphotos`
// in another folder, a service's WorkingDirectory) it would compile JSX for React and every
// HTML page would fail with "React is not defined". Name our own tsconfig explicitly.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { run } = await import('../src/cli.ts');
await run();
