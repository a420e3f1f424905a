import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveBundles } from '../../oracle/bundle-server.ts';
import { createBundleStore, openBundleSource, type ProofBundle, toCalldata } from '../../oracle/bundles.ts';

const proof = {
  pi_a: ['1', '2', '1'],
  pi_b: [
    ['3', '4'],
    ['5', '6'],
    ['1', '0'],
  ],
  pi_c: ['7', '8', '1'],
  protocol: 'groth16',
  curve: 'bn128',
};
const bundle = (batchIndex: number): ProofBundle => ({
  version: 1,
  kind: 'epoch',
  poolId: 3,
  epoch: 2,
  batchIndex,
  instance: 'epoch_test',
  publicSignals: ['3', '2'],
  proof,
  calldata: toCalldata(proof, ['3', '2']),
});

describe('bundle store and server', () => {
  it('swaps the G2 coordinates in the calldata as the EVM verifier expects', () => {
    expect(toCalldata(proof, ['9'])).toEqual({
      a: ['1', '2'],
      b: [
        ['4', '3'],
        ['6', '5'],
      ],
      c: ['7', '8'],
      pubSignals: ['9'],
    });
  });

  it('serves public bundles over HTTP and from a directory, and never the private readings', async () => {
    const root = mkdtempSync(join(tmpdir(), 'oracle-bundles-'));
    const store = createBundleStore(root);
    store.writePublic(bundle(0));
    store.writePublic({ ...bundle(0), kind: 'registration', batchIndex: 4 });
    const privatePath = store.writePrivate(bundle(0), { readings: [{ deviceId: 'ev-1', revenueMinor: 5n }] });
    expect(existsSync(privatePath)).toBe(true);
    expect(store.readPrivate(bundle(0))).toEqual({ readings: [{ deviceId: 'ev-1', revenueMinor: '5' }] });
    expect(store.list(3)).toEqual(['pool-3/epoch-2/batch-0.json', 'pool-3/registration/count-4.json']);

    const server = await serveBundles(store);
    try {
      const http = openBundleSource(server.url);
      expect(await http.get(bundle(0))).toEqual(bundle(0));
      expect(await http.get(bundle(1))).toBeUndefined();
      expect((await http.get({ kind: 'registration', poolId: 3, epoch: 0, batchIndex: 4 }))?.kind).toBe(
        'registration',
      );
      const index = (await (await fetch(`${server.url}/pool-3/index.json`)).json()) as { bundles: string[] };
      expect(index.bundles).toHaveLength(2);
      for (const path of [
        '../private/pool-3/epoch-2/batch-0.json',
        '..%2Fprivate%2Fpool-3%2Fepoch-2%2Fbatch-0.json',
      ]) {
        const response = await fetch(`${server.url}/${path}`);
        expect(response.status).toBe(404);
      }
      expect((await fetch(`${server.url}/pool-3/epoch-2/batch-0.json`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
    const dir = openBundleSource(root);
    expect(await dir.get(bundle(0))).toEqual(bundle(0));
    expect(await openBundleSource(store.publicRoot).get(bundle(0))).toEqual(bundle(0));
  });
});
