/**
 * How far (in simulated time) the gateway's ledger is complete: the oracle may close an epoch only once every
 * reading published before the epoch's end (plus grace) has been processed by the gateway, whatever the machine's
 * load. Checkpoints are taken when nothing is in flight at the publisher: then every message with a publish time
 * before the last acknowledged one has been published and acknowledged by the broker, and once the gateway has
 * processed as many messages as were published, all of them are in its ledger or quarantine.
 */
export class LedgerWatermark {
  private readonly checkpoints: Array<{ published: number; ts: number }> = [];
  private watermarkTs: number;
  private maxAckedTs: number;

  constructor(startTs: number) {
    this.watermarkTs = startTs - 1;
    this.maxAckedTs = startTs;
  }

  /** The publisher received a PUBACK for a message published at simulated time `publishTs`. */
  acked(publishTs: number): void {
    if (publishTs > this.maxAckedTs) this.maxAckedTs = publishTs;
  }

  /** Simulated time of the newest acknowledged message: the gateway's clock in a compressed run. */
  publisherNowS(): number {
    return this.maxAckedTs;
  }

  /**
   * Nothing is in flight at the publisher: `acked` messages were acknowledged by the broker, and every message not
   * yet published has a publish time of at least `lastPublishTs`.
   */
  settled(acked: number, lastPublishTs: number): void {
    const last = this.checkpoints.at(-1);
    const ts = lastPublishTs - 1;
    if (last && last.published === acked && last.ts >= ts) return;
    this.checkpoints.push({ published: acked, ts });
  }

  /** The run is over and the gateway processed all `acked` messages: the ledger is complete for good. */
  finished(acked: number): void {
    this.checkpoints.push({ published: acked, ts: Number.MAX_SAFE_INTEGER });
  }

  /** The gateway has processed `processed` messages (accepted, late, duplicate or quarantined). */
  update(processed: number): number {
    while (this.checkpoints.length > 0 && this.checkpoints[0]!.published <= processed) {
      this.watermarkTs = Math.max(this.watermarkTs, this.checkpoints.shift()!.ts);
    }
    return this.watermarkTs;
  }

  /** Simulated time up to which the ledger is complete. */
  nowS(): number {
    return this.watermarkTs;
  }
}
