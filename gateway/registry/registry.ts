import { keyHash as computeKeyHash, DEVICE_ID_PATTERN, isSmallOrderPublicKey } from '../../protocol/index.ts';
import { type GatewayDb, inTransaction } from '../db.ts';
import { RegistryError } from '../errors.ts';
import type { DeviceRecord, DeviceRegistration, PoolRecord } from './types.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const MAX_U32 = 2 ** 32 - 1;

/**
 * The registry of pools and devices, kept in the gateway's DuckDB file and mirrored in memory
 * (the ingest path looks devices up for every message).
 *
 * @example
 * const registry = await Registry.open(db);
 * await registry.addPool({ poolId: 1, currency: 'CNY', decimals: 2, maxTariffMinorPerKwh: 190n, epochLengthS: 86400, genesisTs: 1767225600 });
 * await registry.registerDevices([publicRecord(key)]);
 */
export class Registry {
  private readonly pools = new Map<number, PoolRecord>();
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly keyHashes = new Set<string>();
  /** Active devices per pool, and per `${poolId}/${siteId}`. */
  private readonly activeByPool = new Map<number, number>();
  private readonly activeBySite = new Map<string, number>();

  private constructor(private readonly db: GatewayDb) {}

  /** Loads the registry tables of `db` into memory. */
  static async open(db: GatewayDb): Promise<Registry> {
    const registry = new Registry(db);
    await registry.reload();
    return registry;
  }

  /** Re-reads pools and devices from the database. */
  async reload(): Promise<void> {
    this.pools.clear();
    this.devices.clear();
    this.keyHashes.clear();
    const pools = await this.db.reader.runAndReadAll('SELECT * FROM pools ORDER BY pool_id');
    for (const row of pools.getRowObjects()) {
      this.pools.set(Number(row.pool_id), {
        poolId: Number(row.pool_id),
        currency: String(row.currency),
        decimals: Number(row.decimals),
        maxTariffMinorPerKwh: BigInt(row.max_tariff_minor_per_kwh as bigint),
        epochLengthS: Number(row.epoch_length_s),
        genesisTs: Number(row.genesis_ts),
      });
    }
    const devices = await this.db.reader.runAndReadAll(
      'SELECT * FROM devices ORDER BY pool_id, registration_index',
    );
    for (const row of devices.getRowObjects()) {
      const device: DeviceRecord = {
        deviceId: String(row.device_id),
        poolId: Number(row.pool_id),
        registrationIndex: Number(row.registration_index),
        siteId: String(row.site_id),
        kind: String(row.kind) as DeviceRecord['kind'],
        ratedPowerW: Number(row.rated_power_w),
        publicKey: { Ax: String(row.public_key_ax), Ay: String(row.public_key_ay) },
        keyHash: String(row.key_hash),
        mqttPasswordSha256: String(row.mqtt_password_sha256),
        active: Boolean(row.active),
      };
      this.devices.set(device.deviceId, device);
      this.keyHashes.add(device.keyHash);
    }
    this.recount();
  }

  private recount(): void {
    this.activeByPool.clear();
    this.activeBySite.clear();
    for (const device of this.devices.values()) {
      if (!device.active) continue;
      this.activeByPool.set(device.poolId, (this.activeByPool.get(device.poolId) ?? 0) + 1);
      const siteKey = `${device.poolId}/${device.siteId}`;
      this.activeBySite.set(siteKey, (this.activeBySite.get(siteKey) ?? 0) + 1);
    }
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.exclusive(fn);
  }

  /** The pool with id `poolId`, if registered. */
  getPool(poolId: number): PoolRecord | undefined {
    return this.pools.get(poolId);
  }

  /** Every pool, by id. */
  listPools(): PoolRecord[] {
    return [...this.pools.values()];
  }

  /** The device with id `deviceId` (unique across pools), if registered. */
  getDevice(deviceId: string): DeviceRecord | undefined {
    return this.devices.get(deviceId);
  }

  /** Every device, optionally of one pool, in registration order. */
  listDevices(poolId?: number): DeviceRecord[] {
    const all = [...this.devices.values()];
    return poolId === undefined ? all : all.filter((d) => d.poolId === poolId);
  }

  /**
   * Registered active devices of a pool (`level = 'pool'`), of one of its sites, or 1/0 for one device:
   * the denominator of coverage figures.
   */
  registeredDevices(poolId: number, level: 'pool' | 'site' | 'device', id?: string): number {
    if (level === 'pool') return this.activeByPool.get(poolId) ?? 0;
    if (level === 'site') return id === undefined ? 0 : (this.activeBySite.get(`${poolId}/${id}`) ?? 0);
    if (id === undefined) return 0;
    const device = this.devices.get(id);
    return device !== undefined && device.poolId === poolId && device.active ? 1 : 0;
  }

  /** Registers a pool. Throws {@link RegistryError} if the id is taken or a parameter is out of range. */
  addPool(pool: PoolRecord): Promise<void> {
    return this.serialised(async () => {
      if (!Number.isInteger(pool.poolId) || pool.poolId < 1 || pool.poolId > MAX_U32)
        throw new RegistryError(`pool id ${pool.poolId} is not an integer in 1..2^32-1`);
      if (this.pools.has(pool.poolId)) throw new RegistryError(`pool ${pool.poolId} is already registered`);
      if (!/^[A-Z]{3,8}$/.test(pool.currency))
        throw new RegistryError(
          `pool currency ${JSON.stringify(pool.currency)} is not an upper-case code like CNY`,
        );
      if (!Number.isInteger(pool.decimals) || pool.decimals < 0 || pool.decimals > 18)
        throw new RegistryError(`pool decimals ${pool.decimals} is not an integer in 0..18`);
      if (pool.maxTariffMinorPerKwh <= 0n || pool.maxTariffMinorPerKwh >= 2n ** 32n)
        throw new RegistryError(`maxTariffMinorPerKwh ${pool.maxTariffMinorPerKwh} is not in 1..2^32-1`);
      if (!Number.isSafeInteger(pool.epochLengthS) || pool.epochLengthS < 1)
        throw new RegistryError(`epochLengthS ${pool.epochLengthS} is not a positive integer`);
      if (!Number.isSafeInteger(pool.genesisTs) || pool.genesisTs < 1 || pool.genesisTs > MAX_U32)
        throw new RegistryError(`genesisTs ${pool.genesisTs} is not in 1..2^32-1`);
      await this.db.writer.run(
        'INSERT INTO pools VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          pool.poolId,
          pool.currency,
          pool.decimals,
          pool.maxTariffMinorPerKwh.toString(),
          pool.epochLengthS,
          pool.genesisTs,
          Date.now(),
        ].map(String),
      );
      this.pools.set(pool.poolId, { ...pool });
    });
  }

  /**
   * Registers devices, all or none, in the given order (which fixes their state-tree slots).
   * Refuses unknown pools, device ids already registered (in any pool) and keys already registered
   * (a key may back one pool only: the double-financing guard).
   */
  registerDevices(registrations: readonly DeviceRegistration[]): Promise<DeviceRecord[]> {
    return this.serialised(async () => {
      const seenIds = new Set<string>();
      const seenKeys = new Set<string>();
      const nextIndex = new Map<number, number>();
      const records: DeviceRecord[] = [];
      for (const r of registrations) {
        const what = `device ${JSON.stringify(r.deviceId)}`;
        if (typeof r.deviceId !== 'string' || !DEVICE_ID_PATTERN.test(r.deviceId))
          throw new RegistryError(`${what}: device id must match ${DEVICE_ID_PATTERN}`);
        if (typeof r.siteId !== 'string' || !DEVICE_ID_PATTERN.test(r.siteId))
          throw new RegistryError(
            `${what}: site id ${JSON.stringify(r.siteId)} must match ${DEVICE_ID_PATTERN}`,
          );
        if (!this.pools.has(r.poolId))
          throw new RegistryError(`${what}: pool ${r.poolId} is not registered`, {
            hint: 'add the pool first (gateway/cli.ts pool add ...)',
          });
        if (r.kind !== 'ev' && r.kind !== 'pv') throw new RegistryError(`${what}: kind must be "ev" or "pv"`);
        if (!Number.isSafeInteger(r.ratedPowerW) || r.ratedPowerW < 1 || r.ratedPowerW > MAX_U32)
          throw new RegistryError(`${what}: ratedPowerW ${r.ratedPowerW} is not an integer in 1..2^32-1`);
        if (!DECIMAL.test(r.publicKey?.Ax ?? '') || !DECIMAL.test(r.publicKey?.Ay ?? ''))
          throw new RegistryError(`${what}: public key coordinates must be decimal strings`);
        if (!isUsablePublicKey(r.publicKey))
          throw new RegistryError(`${what}: public key is not a usable Baby Jubjub key`, {
            details: 'it is off the curve or of small order; with a small-order key any signature verifies',
            hint: 'derive the public key from the device private key (derivePublicKey)',
          });
        if (!SHA256_HEX.test(r.mqttPasswordSha256))
          throw new RegistryError(`${what}: mqttPasswordSha256 must be 64 lowercase hex characters`);
        if (this.devices.has(r.deviceId) || seenIds.has(r.deviceId))
          throw new RegistryError(`${what} is already registered`, {
            hint: 'device ids are unique across all pools',
          });
        const keyHash = computeKeyHash(r.publicKey).toString();
        if (this.keyHashes.has(keyHash) || seenKeys.has(keyHash))
          throw new RegistryError(`${what}: its public key is already registered`, {
            details: 'a key may back one pool only (double-financing guard)',
          });
        seenIds.add(r.deviceId);
        seenKeys.add(keyHash);
        const index = nextIndex.get(r.poolId) ?? this.listDevices(r.poolId).length + 1;
        nextIndex.set(r.poolId, index + 1);
        records.push({
          deviceId: r.deviceId,
          poolId: r.poolId,
          kind: r.kind,
          siteId: r.siteId,
          ratedPowerW: r.ratedPowerW,
          publicKey: { Ax: r.publicKey.Ax, Ay: r.publicKey.Ay },
          mqttPasswordSha256: r.mqttPasswordSha256,
          registrationIndex: index,
          keyHash,
          active: true,
        });
      }
      const now = BigInt(Date.now());
      await inTransaction(this.db.writer, async () => {
        const appender = await this.db.writer.createAppender('devices');
        for (const d of records) {
          appender.appendVarchar(d.deviceId);
          appender.appendUInteger(d.poolId);
          appender.appendUInteger(d.registrationIndex);
          appender.appendVarchar(d.siteId);
          appender.appendVarchar(d.kind);
          appender.appendUBigInt(BigInt(d.ratedPowerW));
          appender.appendVarchar(d.publicKey.Ax);
          appender.appendVarchar(d.publicKey.Ay);
          appender.appendVarchar(d.keyHash);
          appender.appendVarchar(d.mqttPasswordSha256);
          appender.appendBoolean(true);
          appender.appendBigInt(now);
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
      });
      for (const d of records) {
        this.devices.set(d.deviceId, d);
        this.keyHashes.add(d.keyHash);
      }
      this.recount();
      return records;
    });
  }

  /** Activates or deactivates a device; readings of an inactive device are quarantined as DEVICE_INACTIVE. */
  setActive(deviceId: string, active: boolean): Promise<void> {
    return this.serialised(async () => {
      const device = this.devices.get(deviceId);
      if (device === undefined)
        throw new RegistryError(`device ${JSON.stringify(deviceId)} is not registered`);
      await this.db.writer.run('UPDATE devices SET active = $1 WHERE device_id = $2', [active, deviceId]);
      device.active = active;
      this.recount();
    });
  }
}

/** True when `publicKey` is on Baby Jubjub and not of small order (the registration circuit refuses the rest). */
function isUsablePublicKey(publicKey: { Ax: string; Ay: string }): boolean {
  try {
    return !isSmallOrderPublicKey(publicKey);
  } catch {
    return false;
  }
}
