import { createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { type Logger, silentLogger } from '../lib/log.ts';
import { indexedMemoryPersistence } from './indexed-persistence.ts';

/** Decides whether a client may connect; `password` is the raw CONNECT password. */
export type AuthenticateFn = (
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
) => boolean;
/** Decides whether an authenticated client may publish to `topic`. */
export type AuthorizePublishFn = (clientId: string, username: string | undefined, topic: string) => boolean;

/** Options of {@link startEmbeddedBroker}. */
export interface EmbeddedBrokerOptions {
  /** TCP port on `host`; 0 (default) picks a free one. */
  port?: number;
  /** Listen address. Default `127.0.0.1`. */
  host?: string;
  /** Connection check. Default: every client may connect. */
  authenticate?: AuthenticateFn;
  /** Publish check. Default: every client may publish anywhere. */
  authorizePublish?: AuthorizePublishFn;
  /** Logger (the broker logs under `component: 'broker'`). Default: silent. */
  logger?: Logger;
}

/** A running in-process MQTT broker. */
export interface EmbeddedBroker {
  /** `mqtt://host:port`, for `mqtt.connect`. */
  readonly url: string;
  readonly port: number;
  readonly aedes: Aedes;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts an in-process MQTT 3.1.1 broker (aedes, in-memory persistence) on loopback: the embedded
 * default of the pipeline. Sessions with `clean: false` and their QoS 1 queues survive a client's
 * reconnection for as long as the broker runs.
 *
 * @example
 * const broker = await startEmbeddedBroker();
 * const client = mqtt.connect(broker.url);
 * // ...
 * await broker.close();
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const aedesOptions: AedesOptions = {
    // Enough in-flight deliveries that one busy subscriber does not throttle a 20k-device fleet.
    concurrency: 10_000,
    queueLimit: 10_000,
    maxClientsIdLength: 64,
    heartbeatInterval: 60_000,
    // aedes' memory persistence, with outgoing queues that stay O(1) per message under a large backlog
    persistence: indexedMemoryPersistence() as AedesOptions['persistence'],
  };
  const aedes = await Aedes.createBroker(aedesOptions);
  const log = (options.logger ?? silentLogger()).child({ component: 'broker' });
  aedes.on('clientError', (client, error) =>
    log.warn({ clientId: client.id, err: error }, 'mqtt client error'),
  );
  aedes.on('connectionError', (client, error) =>
    log.warn({ clientId: client.id, err: error }, 'mqtt connection error'),
  );
  const { authenticate, authorizePublish } = options;
  if (authenticate) {
    aedes.authenticate = (client: Client, username, password, callback) => {
      const ok = authenticate(client.id, username ?? undefined, password ?? undefined);
      if (ok) return callback(null, true);
      log.warn({ clientId: client.id, username }, 'mqtt client refused: bad user name or password');
      // [MQTT-3.2.2] CONNACK return code 4: bad user name or password.
      const error = Object.assign(new Error(`client ${client.id} refused: bad user name or password`), {
        returnCode: 4,
      });
      callback(error as never, false);
    };
  }
  if (authorizePublish) {
    aedes.authorizePublish = (client: Client | null, packet, callback) => {
      // A null client is the broker itself (e.g. a will message), which is always allowed.
      if (client === null) return callback(null);
      const username = (client as Client & { username?: string }).username;
      if (authorizePublish(client.id, username, packet.topic)) return callback(null);
      log.warn({ clientId: client.id, username, topic: packet.topic }, 'mqtt publish refused');
      callback(new Error(`client ${client.id} may not publish to ${packet.topic}`));
    };
  }
  if (authenticate || authorizePublish) {
    // aedes does not keep the CONNECT user name on the client; remember it for authorizePublish
    // (also when only authorizePublish is given: aedes' default authenticate lets everyone in).
    const original = aedes.authenticate;
    aedes.authenticate = (client, username, password, callback) => {
      (client as Client & { username?: string }).username = username ?? undefined;
      original(client, username, password, callback);
    };
  }

  const server: Server = createServer(aedes.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('embedded broker has no TCP address');
  const port = address.port;
  log.info({ url: `mqtt://${host}:${port}` }, 'embedded broker listening');

  return {
    url: `mqtt://${host}:${port}`,
    port,
    aedes,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('embedded broker stopped');
    },
  };
}
