import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../lib/log.ts';

/** One received MQTT message whose PUBACK is held back until `ack()` is called. */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  receivedAtMs: number;
  /** MQTT DUP flag: the broker is re-sending a message it may have delivered before (e.g. after a reconnect). */
  dup: boolean;
  /** Sends the PUBACK (QoS 1). A no-op if the connection it came on is gone: the broker redelivers. */
  ack(): void;
}

/** The client and the number of its current connection (a new one after every connect and close). */
interface Link {
  readonly client: MqttClient;
  connection: number;
}

/** A received message; one object per message, without a closure (this is the ingest hot path). */
class ReceivedMessage implements IncomingMessage {
  constructor(
    readonly topic: string,
    readonly payload: Buffer,
    readonly receivedAtMs: number,
    readonly dup: boolean,
    private readonly link: Link,
    private readonly generation: number,
    /** Packet id of a QoS 1 message; undefined for QoS 0 (nothing to acknowledge). */
    private readonly messageId: number | undefined,
  ) {}

  ack(): void {
    if (this.messageId === undefined) return;
    const { client } = this.link;
    if (this.generation !== this.link.connection || !client.connected) return;
    // biome-ignore lint/complexity/useLiteralKeys: mqtt.js exposes no public API to send a PUBACK.
    (client as unknown as { _sendPacket(p: object, cb?: () => void): void })['_sendPacket']({
      cmd: 'puback',
      messageId: this.messageId,
    });
  }
}

/** Options of {@link connectMqttSource}. */
export interface MqttSourceOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  topic: string;
  reconnectPeriodMs: number;
  logger: Logger;
  onMessage(message: IncomingMessage): void;
  now(): number;
}

/** A subscribed MQTT connection. */
export interface MqttSource {
  readonly client: MqttClient;
  /** Whether the client is connected right now. */
  connected(): boolean;
  /** Resolves once the first subscription is granted. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects to the broker with a persistent session (`clean: false`, stable client id) and
 * subscribes with QoS 1, so readings published while the gateway is down are delivered when it
 * returns. PUBACKs are sent only when the pipeline calls `ack()`, i.e. after the message is durably
 * in the ledger or the quarantine.
 *
 * mqtt.js acknowledges a QoS 1 message once `handleMessage` calls back; it also stops reading
 * further packets until then. To keep many messages in flight, `handleMessage` calls back at once
 * with a marker error (which makes mqtt.js skip its own PUBACK and continue with the next packet),
 * and the PUBACK is sent later on the same connection. PUBACKs are sent in receive order
 * ([MQTT-4.6.0-2]) because the pipeline commits batches in order. A PUBACK is never sent on a
 * newer connection than the one the message came on: after a reconnect the broker redelivers
 * unacknowledged messages and the ledger recognises them as duplicates.
 *
 * @example
 * const source = connectMqttSource({ url, clientId: 'gateway-1', topic: 'fleet/+/+/reading', ... });
 * await source.ready;
 */
export function connectMqttSource(options: MqttSourceOptions): MqttSource {
  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: options.reconnectPeriodMs,
    connectTimeout: 10_000,
    keepalive: 30,
    resubscribe: true,
  };
  // mqtt.js logs every packet through `debug`; unless asked for (DEBUG=mqttjs*), skip that per-message cost.
  if (!/mqttjs/.test(process.env.DEBUG ?? '')) clientOptions.log = () => undefined;
  if (options.username !== undefined) clientOptions.username = options.username;
  if (options.password !== undefined) clientOptions.password = options.password;
  const client = mqtt.connect(options.url, clientOptions);
  const link: Link = { client, connection: 0 };
  const log = options.logger;
  const deferred = new Error('PUBACK deferred until the message is durable');

  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    options.onMessage(
      new ReceivedMessage(
        packet.topic,
        payload,
        options.now(),
        packet.dup === true,
        link,
        link.connection,
        packet.qos === 1 ? packet.messageId : undefined,
      ),
    );
    if (packet.qos === 1) callback(deferred);
    else callback();
  };

  let resolveReady: () => void = () => undefined;
  let rejectReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let subscribed = false;
  client.on('connect', (connack) => {
    link.connection++;
    log.info(
      { url: options.url, sessionPresent: connack.sessionPresent, connection: link.connection },
      'mqtt connected',
    );
    if (!subscribed || !connack.sessionPresent) {
      client.subscribe(options.topic, { qos: 1 }, (error, granted) => {
        if (error) {
          log.error({ err: error }, 'mqtt subscribe failed');
          return rejectReady(error);
        }
        if (granted?.some((g) => g.qos === 128)) {
          const refused = new Error(`broker refused the subscription to ${options.topic}`);
          log.error({ topic: options.topic }, 'mqtt subscribe refused');
          return rejectReady(refused);
        }
        subscribed = true;
        resolveReady();
      });
    }
  });
  client.on('close', () => {
    link.connection++;
  });
  client.on('offline', () => log.warn({ url: options.url }, 'mqtt offline; reconnecting'));
  client.on('error', (error) => log.error({ err: error }, 'mqtt error'));

  return {
    client,
    connected: () => client.connected,
    ready,
    close: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}
