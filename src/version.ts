/** The tool's version: injected at bundle time for the standalone binary, else read from package.json. */
import { createRequire } from 'node:module';

declare const __CTRLQ_VERSION__: string | undefined;

function readVersion(): string {
  if (typeof __CTRLQ_VERSION__ === 'string') return __CTRLQ_VERSION__;
  const require = createRequire(import.meta.url);
  const pkg = require('../package.json') as { version: string };
  return pkg.version;
}

export const VERSION = readVersion();
