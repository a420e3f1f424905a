import type { GatewayConfig } from './config.ts';
import { GatewayConfigError } from './errors.ts';
import type { Registry } from './registry/registry.ts';
import { createTimeSeriesStore, type TimeSeriesConfig } from './timeseries/index.ts';
import type { TimeSeriesStore } from './timeseries/types.ts';

/** The default time-series file beside the ledger: `x.duckdb` -> `x.timeseries.duckdb`. */
export function defaultTimeSeriesPath(ledgerPath: string): string {
  return ledgerPath === ':memory:' ? ':memory:' : `${ledgerPath.replace(/\.duckdb$/, '')}.timeseries.duckdb`;
}

/**
 * Creates the time-series store named by `config.timeseries` (default: the embedded DuckDB store
 * beside the ledger; `{ kind: 'none' }`: no store), with the registry as its source of
 * registered-device counts.
 */
export async function loadTimeSeriesStore(
  config: GatewayConfig,
  registry: Registry,
): Promise<TimeSeriesStore | undefined> {
  const tsConfig = config.timeseries ?? { kind: 'duckdb', path: defaultTimeSeriesPath(config.ledgerPath) };
  if (tsConfig.kind === 'none') return undefined;
  try {
    // The section was checked field by field by the configuration schema (gateway/config.ts).
    const registeredDevices = (poolId: number, level: 'pool' | 'site' | 'device', id?: string) =>
      registry.registeredDevices(poolId, level, id);
    const storeConfig: TimeSeriesConfig = { ...tsConfig, registeredDevices };
    return await createTimeSeriesStore(storeConfig);
  } catch (cause) {
    throw new GatewayConfigError('the time-series store could not be created', {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
      hint: 'check the "timeseries" section of the configuration (gateway/timeseries/README.md)',
    });
  }
}
