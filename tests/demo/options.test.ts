import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DemoConfigError } from '../../demo/errors.ts';
import { loadDemoOptions, parseDemoOptions } from '../../demo/options.ts';
import { ConfigError } from '../../lib/config.ts';
import { skewToleranceS } from '../../demo/run.ts';
import { LedgerWatermark } from '../../demo/watermark.ts';

describe('demo options', () => {
  it('defaults to the documented demo: 40 EV + 10 PV, 3 epochs of 6 h, demo circuits, 3 investors', () => {
    const options = parseDemoOptions({});
    expect(options).toMatchObject({
      evPiles: 40,
      pvSites: 10,
      epochs: 3,
      epochLengthS: 21_600,
      epochInstance: 'epoch_demo',
      registrationInstance: 'registration_demo',
      investorTokens: [500, 300, 200],
    });
    expect(options.broker).toBeUndefined();
    expect(options.chain).toBeUndefined();
  });

  it.each([
    [{ broker: { url: 'http://127.0.0.1:1883' } }, 'broker.url'],
    [{ influx: { url: 'http://127.0.0.1:8086' } }, 'influx.token'],
    [{ chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 1, privateKey: '0x1234' } }, 'chain.privateKey'],
    [{ evPiles: 0, pvSites: 0 }, 'at least one device'],
    [{ baselineS: 30_000, epochLengthS: 21_600 }, 'baselineS'],
    [{ epochs: 1 }, 'epochs'],
    [{ epochInstance: '../etc' }, 'epochInstance'],
    [{ unknownField: 1 }, 'unknownField'],
  ])('refuses %j, naming %s', (input, named) => {
    expect(() => parseDemoOptions(input)).toThrow(DemoConfigError);
    expect(() => parseDemoOptions(input)).toThrow(named);
  });

  it('reads a JSON options file and refuses an unreadable one', () => {
    const file = join(tmpdir(), `demo-options-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ evPiles: 8, pvSites: 2 }));
    expect(loadDemoOptions({ file, env: {} })).toMatchObject({ evPiles: 8, pvSites: 2 });
    writeFileSync(file, '{ not json');
    expect(() => loadDemoOptions({ file, env: {} })).toThrow(ConfigError);
  });

  it('names a wrong field with its source: the file, DEMO_PRIVATE_KEY or a flag', () => {
    const file = join(tmpdir(), `demo-options-bad-${process.pid}.json`);
    writeFileSync(
      file,
      JSON.stringify({ epochs: 1, chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 1 } }),
    );
    const details = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as ConfigError).details ?? '';
      }
      throw new Error('expected a ConfigError');
    };
    expect(
      details(() => loadDemoOptions({ file, env: { DEMO_PRIVATE_KEY: `0x${'ab'.repeat(32)}` } })),
    ).toMatch(/epochs: .*\(from file .*demo-options-bad/);
    writeFileSync(file, JSON.stringify({ chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 1 } }));
    expect(details(() => loadDemoOptions({ file, env: { DEMO_PRIVATE_KEY: '0x1234' } }))).toMatch(
      /chain\.privateKey: .*\(from variable DEMO_PRIVATE_KEY\)/,
    );
    expect(details(() => loadDemoOptions({ env: {}, flags: { 'broker.url': 'http://x' } }))).toMatch(
      /broker\.url: .*\(from flag for broker\.url\)/,
    );
    const key = `0x${'cd'.repeat(32)}`;
    expect(loadDemoOptions({ file, env: { DEMO_PRIVATE_KEY: key } }).chain?.privateKey).toBe(key);
  });
});

describe('ledger watermark', () => {
  it('advances only when the gateway has processed every message acknowledged before a quiet point', () => {
    const watermark = new LedgerWatermark(1_000);
    expect(watermark.nowS()).toBe(999);
    watermark.acked(1_100);
    watermark.settled(10, 1_100); // 10 acknowledged, nothing in flight, next publish >= 1,100
    watermark.acked(1_200);
    watermark.settled(25, 1_200);
    expect(watermark.update(9)).toBe(999); // the gateway is behind: nothing moves
    expect(watermark.update(10)).toBe(1_099);
    expect(watermark.update(24)).toBe(1_099);
    expect(watermark.update(30)).toBe(1_199);
    expect(watermark.publisherNowS()).toBe(1_200);
    watermark.finished(40);
    expect(watermark.update(39)).toBe(1_199);
    expect(watermark.update(40)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('gateway timestamp tolerance of a compressed run', () => {
  it("is 3 s of wall time at the run's speed, at least 2 h simulated", () => {
    expect(skewToleranceS(600)).toBe(7_200);
    expect(skewToleranceS(2_400)).toBe(7_200);
    expect(skewToleranceS(10_000)).toBe(30_000);
  });
});
