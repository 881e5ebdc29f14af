/**
 * Injected by esbuild into the CommonJS bundle for the single executable, where `import.meta` does
 * not exist: `import.meta.url` is defined as this value. yargs-parser 22 calls
 * `createRequire(import.meta.url)` as it loads, and would crash on `undefined`.
 * Inside a SEA, `__filename` is the executable's path.
 */
import { pathToFileURL } from 'node:url';

export const importMetaUrl = pathToFileURL(__filename).href;
