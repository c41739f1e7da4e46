import pkg from '../package.json' with { type: 'json' };

/** The product version, from package.json (inlined by esbuild into the executable). */
export const VERSION: string = pkg.version;
