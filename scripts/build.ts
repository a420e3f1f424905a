/**
 * `npm run build [-- --demo]`, `npm run build:circuits [-- names...]`, `npm run build:contracts`: see
 * scripts/build-program.ts.
 */
import { runBuildCli } from './build-program.ts';

await runBuildCli(process.argv.slice(2));
