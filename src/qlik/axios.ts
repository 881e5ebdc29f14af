/**
 * axios, loaded through its CommonJS build.
 *
 * The package ships two builds of the same version: for `import`, an ES module entry that pulls in
 * 66 files, which Node's ES module loader reads, parses and links one at a time; for `require`,
 * one bundled file. Measured for issue 14 (Node 20, 2 cores, P1): the CommonJS build
 * costs a run about 100 ms less CPU and 50 ms less wall time. The package, its version and
 * `npm update` are the same either way.
 *
 * The standalone binary (test/tools/build-sea.ts) bundles every package and has no node_modules
 * beside it: its build replaces this module with a plain import of axios.
 */
import { createRequire } from 'node:module';
import type { AxiosStatic } from 'axios';

export const axios = createRequire(import.meta.url)('axios') as AxiosStatic;
