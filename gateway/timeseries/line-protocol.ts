import { Point } from '@influxdata/influxdb-client';
import type { AcceptedReading } from './types.ts';

/** Field names of a stored reading; VictoriaMetrics turns them into series `<measurement>_<field>`. */
export const FIELDS = {
  energyDeltaWh: 'energyDeltaWh',
  revenueDeltaMinor: 'revenueDeltaMinor',
  newSession: 'newSession',
  energyWh: 'energyWh',
  revenueMinor: 'revenueMinor',
  seq: 'seq',
} as const;

/**
 * One InfluxDB line-protocol line for an accepted reading, in second precision:
 * `<measurement>,pool=1,site=s,device=d,kind=ev energyDeltaWh=..i,revenueDeltaMinor=..i,newSession=0i,energyWh=..i,revenueMinor=..i,seq=..i <ts>`.
 * Every field is an integer (`i` suffix). A device's timestamps strictly increase, so measurement,
 * tags and timestamp identify the reading: a replayed line overwrites itself and never double-counts.
 *
 * @example
 * readingToLine('reading', reading); // 'reading,pool=1,site=site-001,device=ev-0001,kind=ev energyDeltaWh=1200i,... 1767225600'
 */
export function readingToLine(measurement: string, reading: AcceptedReading): string {
  const line = new Point(measurement)
    .tag('pool', String(reading.poolId))
    .tag('site', reading.siteId)
    .tag('device', reading.deviceId)
    .tag('kind', reading.kind)
    .intField(FIELDS.energyDeltaWh, reading.energyDeltaWh.toString())
    .intField(FIELDS.revenueDeltaMinor, reading.revenueDeltaMinor.toString())
    .intField(FIELDS.newSession, reading.newSession ? 1 : 0)
    .intField(FIELDS.energyWh, reading.energyWh.toString())
    .intField(FIELDS.revenueMinor, reading.revenueMinor.toString())
    .intField(FIELDS.seq, reading.seq)
    .timestamp(String(reading.ts))
    .toLineProtocol();
  if (line === undefined)
    throw new Error(`reading ${reading.deviceId}#${reading.seq} produced no line protocol`);
  return line;
}
