import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, parseGatewayConfig } from '../../gateway/config.ts';
import { GatewayConfigError } from '../../gateway/errors.ts';
import { ConfigError } from '../../lib/config.ts';
import { tempDir } from './support.ts';

describe('gateway configuration', () => {
  it('applies defaults to a minimal configuration', () => {
    const config = parseGatewayConfig({ mqtt: { url: 'mqtt://127.0.0.1:1883' }, ledgerPath: 'x.duckdb' });
    expect(config.mqtt.clientId).toBe('gateway-1');
    expect(config.mqtt.topic).toBe('fleet/+/+/reading');
    expect(config.validation).toEqual({
      maxClockSkewS: 300,
      energyMarginPermille: 1000,
      outOfOrder: 'reject',
    });
    expect(config.verify.threads).toBe(2);
  });

  it('names every wrong field', () => {
    try {
      parseGatewayConfig({ mqtt: { url: 'http://x' }, validation: { maxClockSkewS: -1 }, extra: 1 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayConfigError);
      const message = (error as Error).message;
      expect(message).toContain('mqtt.url');
      expect(message).toContain('ledgerPath');
      expect(message).toContain('validation.maxClockSkewS');
      expect(message).toContain('extra');
    }
  });

  it('refuses an energy margin below 1000 permille (would reject what the circuit accepts)', () => {
    expect(() =>
      parseGatewayConfig({
        mqtt: { url: 'mqtt://h' },
        ledgerPath: 'x',
        validation: { energyMarginPermille: 999 },
      }),
    ).toThrow(GatewayConfigError);
  });

  it('reads a file and lets GATEWAY_* variables override it', () => {
    const dir = tempDir();
    const file = join(dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({ mqtt: { url: 'mqtt://a:1883' }, ledgerPath: 'a.duckdb', http: { port: 1 } }),
    );
    const config = loadGatewayConfig(file, { GATEWAY_HTTP_PORT: '9090', GATEWAY_MQTT_CLIENT_ID: 'gw-7' });
    expect(config.http.port).toBe(9090);
    expect(config.mqtt.clientId).toBe('gw-7');
    expect(config.mqtt.url).toBe('mqtt://a:1883');
  });

  it('rejects a non-integer numeric variable and a missing or malformed file', () => {
    expect(() =>
      loadGatewayConfig(undefined, {
        GATEWAY_MQTT_URL: 'mqtt://a',
        GATEWAY_LEDGER_PATH: 'x',
        GATEWAY_HTTP_PORT: '8o',
      }),
    ).toThrow(/GATEWAY_HTTP_PORT=8o is not an integer/);
    expect(() => loadGatewayConfig('/nonexistent/gateway.json', {})).toThrow(/cannot read/);
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => loadGatewayConfig(join(dir, 'bad.json'), {})).toThrow(/not valid JSON/);
  });
});

describe('gateway configuration through the one loader', () => {
  const minimal = { mqtt: { url: 'mqtt://a:1883' }, ledgerPath: 'a.duckdb' };
  const fileWith = (value: unknown) => {
    const file = join(tempDir(), 'gateway.json');
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const messageOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('the configuration was accepted');
  };

  it('names a wrong field of the file, of a variable and of a flag, with its source', () => {
    const file = fileWith({ ...minimal, batch: { maxSize: 0 } });
    expect(messageOf(() => loadGatewayConfig(file, {}))).toMatch(
      /batch\.maxSize: .*\(from file .*gateway\.json\)/,
    );
    expect(
      messageOf(() => loadGatewayConfig(fileWith(minimal), { GATEWAY_OUT_OF_ORDER: 'sometimes' })),
    ).toMatch(/validation\.outOfOrder: .*\(from variable GATEWAY_OUT_OF_ORDER\)/);
    expect(messageOf(() => loadGatewayConfig(fileWith(minimal), {}, { 'http.port': 70_000 }))).toMatch(
      /http\.port: .*\(from flag for http\.port\)/,
    );
  });

  it('flags win over variables, which win over the file', () => {
    const config = loadGatewayConfig(
      fileWith({ ...minimal, http: { port: 1 } }),
      { GATEWAY_HTTP_PORT: '2' },
      { 'http.port': 3 },
    );
    expect(config.http.port).toBe(3);
  });

  it('checks the time-series section by kind', () => {
    const withTs = (timeseries: unknown) => parseGatewayConfig({ ...minimal, timeseries }).timeseries;
    expect(withTs({ path: 'ts.duckdb' })).toEqual({ kind: 'duckdb', path: 'ts.duckdb' });
    expect(withTs({ kind: 'none' })).toEqual({ kind: 'none' });
    const influx = {
      kind: 'influx',
      url: 'http://127.0.0.1:8428',
      token: 't',
      org: 'o',
      bucket: 'b',
      bufferDir: 'buf',
    };
    expect(
      withTs({ ...influx, query: { kind: 'victoria-metrics' }, intervalsS: { '1h': 1800 } }),
    ).toMatchObject({
      kind: 'influx',
      query: { kind: 'victoria-metrics' },
    });
    expect(messageOf(() => withTs({ kind: 'influx', url: 'http://x' }))).toContain('timeseries.token');
    expect(messageOf(() => withTs({ ...influx, batchSize: 0 }))).toContain('timeseries.batchSize');
    expect(messageOf(() => withTs({ ...influx, query: { kind: 'sql' } }))).toContain('timeseries.query.kind');
    expect(messageOf(() => withTs({ path: 'x', intervalsS: { '2h': 7200 } }))).toContain(
      'timeseries.intervalsS',
    );
    expect(messageOf(() => withTs({ kind: 'influxdb' }))).toContain('timeseries.kind');
  });
});
