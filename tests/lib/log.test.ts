import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, type LogLevel } from '../../lib/log.ts';

/** A destination that keeps what was written. */
function capture(): { stream: Writable; text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, text, lines };
}

function logger(level: LogLevel, format: LogFormat = 'json') {
  const out = capture();
  return { out, log: createLogger({ level, format, destination: out.stream, base: { service: 'test' } }) };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level name, ISO time, message and fields', () => {
    const { out, log } = logger('info');
    log.info({ poolId: 1, epoch: 3 }, 'epoch finalised');
    log.warn('second');
    expect(out.text().split('\n')).toHaveLength(3);
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      level: 'info',
      service: 'test',
      poolId: 1,
      epoch: 3,
      msg: 'epoch finalised',
    });
    expect(new Date(String(first?.time)).toISOString()).toBe(first?.time);
    expect(second).toMatchObject({ level: 'warn', msg: 'second' });
  });

  it('puts the component of a child (and of its children) on every line', () => {
    const { out, log } = logger('info');
    const ingest = log.child({ component: 'ingest' });
    ingest.info('batch committed');
    ingest.child({ poolId: 2 }).info('pool line');
    log.info('root line');
    const [a, b, c] = out.lines();
    expect(a).toMatchObject({ component: 'ingest', service: 'test', msg: 'batch committed' });
    expect(b).toMatchObject({ component: 'ingest', poolId: 2, msg: 'pool line' });
    expect(c).not.toHaveProperty('component');
  });

  it('drops lines below its level and keeps those at or above it', () => {
    const { out, log } = logger('warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.lines().map((l) => l.msg)).toEqual(['w', 'e']);
    const silent = logger('silent');
    silent.log.fatal('nothing');
    expect(silent.out.text()).toBe('');
  });

  it('writes bigints as decimal strings, in fields, nested fields, arrays and child bindings', () => {
    const { out, log } = logger('info');
    const big = 2n ** 70n + 1n;
    log.child({ poolId: 7n }).info({ revenueMinor: big, nested: { energyWh: [5n, -3n] } }, 'totals');
    const text = out.text();
    expect(text).toContain('"revenueMinor":"1180591620717411303425"');
    const [line] = out.lines();
    expect(line).toMatchObject({
      poolId: '7',
      revenueMinor: big.toString(),
      nested: { energyWh: ['5', '-3'] },
    });
  });

  it('serialises errors with their message (not as an empty object)', () => {
    const { out, log } = logger('info');
    log.error({ err: new RangeError('out of range') }, 'failed');
    expect(out.lines()[0]).toMatchObject({ err: { type: 'RangeError', message: 'out of range' } });
  });

  it('writes for people when asked for pretty output', () => {
    const { out, log } = logger('info', 'pretty');
    log.child({ component: 'scheduler' }).info({ revenueMinor: 12n }, 'epoch finalised');
    const text = out.text();
    expect(text).toMatch(/INFO.*epoch finalised/);
    expect(text).toContain('component: "scheduler"');
    expect(text).toContain('revenueMinor: "12"');
    expect(() => JSON.parse(text.split('\n')[0]!)).toThrow();
  });
});
