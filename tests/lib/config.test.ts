import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../lib/config.ts';

const schema = z
  .object({
    rpcUrl: z.string().url(),
    http: z.object({ port: z.number().int().min(0).max(65_535).default(8080) }).strict().default({ port: 8080 }),
    graceS: z.number().int().positive().default(60),
  })
  .strict();
const envBindings = [
  ['T_RPC_URL', 'rpcUrl', 'string'],
  ['T_HTTP_PORT', 'http.port', 'int'],
] as const;

function file(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-')), 'c.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadConfig', () => {
  it('merges file < environment < flags and applies defaults', () => {
    const config = loadConfig({
      service: 't',
      schema,
      file: file({ rpcUrl: 'http://file', http: { port: 1 } }),
      env: { T_HTTP_PORT: '2' },
      envBindings,
      flags: { rpcUrl: 'http://flag', graceS: undefined },
    });
    expect(config).toEqual({ rpcUrl: 'http://flag', http: { port: 2 }, graceS: 60 });
  });

  it('names a wrong field from the file', () => {
    const path = file({ rpcUrl: 'http://x', graceS: -1 });
    expect(() => loadConfig({ service: 't', schema, file: path })).toThrow(/graceS: .*\(from file /);
  });

  it('names a wrong variable and a wrong flag', () => {
    expect(() => loadConfig({ service: 't', schema, env: { T_HTTP_PORT: 'eighty' }, envBindings, flags: { rpcUrl: 'http://x' } })).toThrow(
      /T_HTTP_PORT=eighty is not an integer/,
    );
    expect(() => loadConfig({ service: 't', schema, env: { T_HTTP_PORT: '70000' }, envBindings, flags: { rpcUrl: 'http://x' } })).toThrow(
      /http\.port: .*\(from variable T_HTTP_PORT\)/,
    );
    expect(() => loadConfig({ service: 't', schema, flags: { rpcUrl: 'not a url' } })).toThrow(/rpcUrl: .*\(from flag for rpcUrl\)/);
  });

  it('refuses unknown fields, unreadable files and bad JSON with a ConfigError', () => {
    expect(() => loadConfig({ service: 't', schema, file: file({ rpcUrl: 'http://x', extra: 1 }) })).toThrow(ConfigError);
    expect(() => loadConfig({ service: 't', schema, file: '/nonexistent/c.json' })).toThrow(/cannot read t configuration file/);
    expect(() => loadConfig({ service: 't', schema, file: file('{ nope') })).toThrow(/is not valid JSON/);
  });
});
