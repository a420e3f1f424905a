import type { Ledger, Registry } from '../gateway/index.ts';
import { toSignedReading } from '../gateway/index.ts';
import type { PublicKey, SignedReading } from '../protocol/index.ts';

/** Where the oracle gets each device's closing reading of an epoch (the gateway's evidence ledger). */
export interface ReadingSource {
  /** The last accepted reading with `startTs <= ts < endTs` of every device of the pool that has one. */
  closingReadings(poolId: number, startTs: number, endTs: number): Promise<SignedReading[]>;
  /** The registered public key of a device, to find its on-chain slot (by keyHash). */
  publicKeyOf(deviceId: string): PublicKey | undefined;
}

/**
 * The gateway's ledger and registry as the oracle's reading source (same process: DuckDB allows one writer).
 *
 * @example
 * const gateway = await startGateway(config);
 * const source = gatewayReadingSource(gateway.ledger, gateway.registry);
 */
export function gatewayReadingSource(ledger: Ledger, registry: Registry): ReadingSource {
  return {
    async closingReadings(poolId, startTs, endTs) {
      return (await ledger.closingReadings(poolId, startTs, endTs)).map(toSignedReading);
    },
    publicKeyOf: (deviceId) => registry.getDevice(deviceId)?.publicKey,
  };
}
