import type { AcceptedReading, AggregateQuery, AggregateRow, TimeSeriesStore } from './types.ts';

/**
 * Writes every batch to two stores and answers queries from the first: used to keep the embedded
 * DuckDB store as the query side of a write-only line-protocol endpoint (a VictoriaMetrics or
 * InfluxDB 3 without Flux). The query store is written first, so a failed second write can be
 * retried without double-counting (both stores are idempotent per reading).
 */
export class TeeTimeSeriesStore implements TimeSeriesStore {
  constructor(
    private readonly queryStore: TimeSeriesStore,
    private readonly mirror: TimeSeriesStore,
  ) {}

  async write(readings: readonly AcceptedReading[]): Promise<void> {
    await this.queryStore.write(readings);
    await this.mirror.write(readings);
  }

  query(q: AggregateQuery): Promise<AggregateRow[]> {
    return this.queryStore.query(q);
  }

  bufferedPoints(): number {
    return this.queryStore.bufferedPoints() + this.mirror.bufferedPoints();
  }

  async flush(): Promise<void> {
    await this.queryStore.flush();
    await this.mirror.flush();
  }

  async close(): Promise<void> {
    await Promise.all([this.queryStore.close(), this.mirror.close()]);
  }
}
