import { defineConfig } from 'vitest/config';

/**
 * One test runner for every package folder. Tests live in `tests/`, mirroring the source folders.
 * Files run in separate forked processes (servers such as anvil, mosquitto and VictoriaMetrics are
 * started per file on free loopback ports), at most two at a time on the 2-core reference machine.
 */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
