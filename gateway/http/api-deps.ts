import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Quarantine } from '../quarantine/quarantine.ts';
import type { Registry } from '../registry/registry.ts';
import type { TimeSeriesStore } from '../timeseries/types.ts';
import type { DeviceState } from '../validation/evaluator.ts';
import type { AttestationViewsProvider } from './attestations.ts';

/** What the API reads. */
export interface ApiDeps {
  registry: Registry;
  ledger: Ledger;
  quarantine: Quarantine;
  metrics: GatewayMetrics;
  timeSeries: TimeSeriesStore | undefined;
  heads(): ReadonlyMap<string, DeviceState>;
  health(): { ok: boolean; mqttConnected: boolean; failure: string | undefined; queueDepth: number };
  reportingWindowS: number;
  now(): number;
  logger: Logger;
  /** Epoch and attestation views, once an oracle is attached (`/pools/:poolId/epochs...`). */
  attestations?: () => AttestationViewsProvider | undefined;
}
