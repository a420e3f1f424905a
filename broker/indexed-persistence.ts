/**
 * aedes' in-memory persistence with indexed outgoing queues.
 *
 * aedes-persistence keeps each client's outgoing QoS 1/2 messages in an array and, for every message it
 * delivers, scans that array from the front for the entry just appended (`outgoingUpdate`), and for every
 * PUBACK removes the acknowledged entry with `splice` (`outgoingClearMessageId`). With a subscriber that
 * acknowledges only after a durable write (the gateway), the queue holds thousands of unacknowledged
 * messages and both operations cost O(queue length) each: profiled at about half of the embedded broker's
 * CPU time with a backlog of 16,000. Here each client's queue is an array with a moving head (removal at the
 * front is O(1)) and an index by broker counter (finding the entry to update is O(1)), with the same results:
 * the index is used only while every queued entry comes from one broker (the embedded broker is a single
 * instance), otherwise the original front-to-back scan runs. Everything else is aedes-persistence itself.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

/** An aedes packet as aedes-persistence stores it (aedes-packet). */
interface StoredPacket {
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
  [key: string]: unknown;
}
interface Subscriber {
  clientId: string;
}
interface ClientRef {
  id: string;
}
type PacketConstructor = new (original: object) => StoredPacket;
type AsyncPersistenceClass = new (
  opts?: object,
) => {
  outgoingEnqueue(sub: Subscriber, packet: object): Promise<void>;
};

const Packet = require('aedes-packet') as PacketConstructor;
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as AsyncPersistenceClass;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: (opts: object) => object, opts?: object) => object;
};

/** One client's outgoing queue: entries in order from `head`, removed entries cleared to undefined. */
class OutgoingQueue {
  private entries: (StoredPacket | undefined)[] = [];
  private head = 0;
  /** The broker id of every entry, while they share one; null once two differ (the index is then off). */
  private brokerId: string | undefined | null = undefined;
  private readonly byCounter = new Map<number, StoredPacket>();

  push(packet: StoredPacket): void {
    this.entries.push(packet);
    if (this.brokerId === null) return;
    if (this.size() === 1 || this.brokerId === undefined) this.brokerId = packet.brokerId;
    if (
      packet.brokerId !== this.brokerId ||
      packet.brokerCounter === undefined ||
      this.byCounter.has(packet.brokerCounter) // counters are unique per broker; if not, scan as aedes does
    ) {
      this.brokerId = null;
      this.byCounter.clear();
      return;
    }
    this.byCounter.set(packet.brokerCounter, packet);
  }

  size(): number {
    return this.entries.length - this.head;
  }

  /**
   * aedes-persistence `outgoingUpdate`: the first entry that is this packet (same broker and counter) gets its
   * message id; or the first from another broker with the same message id is replaced.
   */
  update(packet: StoredPacket): void {
    if (this.brokerId !== null && this.size() > 0 && packet.brokerId === this.brokerId) {
      // Every entry is from this broker: only the counter can match, and counters are unique per broker.
      const entry = packet.brokerCounter === undefined ? undefined : this.byCounter.get(packet.brokerCounter);
      if (entry === undefined) throw new Error('no such packet');
      entry.messageId = packet.messageId;
      return;
    }
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry === undefined) continue;
      if (entry.brokerId === packet.brokerId) {
        if (entry.brokerCounter === packet.brokerCounter) {
          entry.messageId = packet.messageId;
          return;
        }
      } else if (entry.messageId === packet.messageId) {
        this.forget(entry);
        this.entries[i] = packet;
        if (this.brokerId !== null) {
          this.brokerId = null;
          this.byCounter.clear();
        }
        return;
      }
    }
    throw new Error('no such packet');
  }

  /** aedes-persistence `outgoingClearMessageId`: removes and returns the first entry with this message id. */
  clear(messageId: number | undefined): StoredPacket | undefined {
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry === undefined || entry.messageId !== messageId) continue;
      this.entries[i] = undefined;
      this.forget(entry);
      while (this.head < this.entries.length && this.entries[this.head] === undefined) this.head++;
      this.compact();
      return entry;
    }
    return undefined;
  }

  /** The entries in order (a copy). */
  snapshot(): StoredPacket[] {
    const out: StoredPacket[] = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  private forget(entry: StoredPacket): void {
    if (entry.brokerCounter !== undefined && this.byCounter.get(entry.brokerCounter) === entry) {
      this.byCounter.delete(entry.brokerCounter);
    }
  }

  /** Drops cleared slots once they are most of the array (amortised O(1) per removal). */
  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/** aedes-persistence's in-memory persistence with {@link OutgoingQueue}s (async interface). */
export class IndexedMemoryPersistence extends MemoryPersistence {
  private readonly queues = new Map<string, OutgoingQueue>();

  private queue(clientId: string): OutgoingQueue {
    let q = this.queues.get(clientId);
    if (q === undefined) {
      q = new OutgoingQueue();
      this.queues.set(clientId, q);
    }
    return q;
  }

  override async outgoingEnqueue(sub: Subscriber, packet: object): Promise<void> {
    this.queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingEnqueueCombi(subs: readonly Subscriber[], packet: object): Promise<void> {
    for (const sub of subs) this.queue(sub.clientId).push(new Packet(packet));
  }

  async outgoingUpdate(client: ClientRef, packet: StoredPacket): Promise<void> {
    this.queue(client.id).update(packet);
  }

  async outgoingClearMessageId(client: ClientRef, packet: StoredPacket): Promise<StoredPacket | undefined> {
    return this.queues.get(client.id)?.clear(packet.messageId);
  }

  outgoingStream(client: ClientRef): Readable {
    return Readable.from(this.queues.get(client.id)?.snapshot() ?? []);
  }
}

/**
 * A persistence for `Aedes.createBroker({ persistence })`: aedes-persistence's memory persistence with
 * indexed outgoing queues (same behaviour, O(1) per delivered and acknowledged message).
 */
export function indexedMemoryPersistence(): object {
  return new CallBackPersistence((opts) => new IndexedMemoryPersistence(opts));
}
