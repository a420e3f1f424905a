import type { Deployment } from '../../contracts/deployment.ts';

const a = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as const;
const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;

/** A well-formed deployment file's contents with made-up addresses, for readers' tests. */
export function validDeployment(): Deployment {
  return {
    chainId: 31337,
    rpcUrl: 'http://127.0.0.1:8545',
    deployer: a(1),
    deployedAtBlock: '17',
    contracts: {
      poseidonT3: a(2),
      timelock: a(8),
      verifierRegistry: a(9),
      poolRegistry: a(3),
      attestationRegistry: a(4),
      stablecoin: a(5),
    },
    governance: { minDelayS: 0, proposers: [a(1)], executors: [a(1)] },
    verifiers: { epoch_test: a(6), registration_test: a(7) },
    instances: {
      epoch_test: { instanceId: h(1), template: 'EpochBatch', batchSize: 1, treeDepth: 4, verifier: a(6) },
      registration_test: { instanceId: h(2), template: 'Registration', batchSize: 2, treeDepth: 4, verifier: a(7) },
    },
    pools: [1, 2].map((poolId) => ({
      name: `pool-${poolId}`,
      poolId,
      operator: a(1),
      treeDepth: 4,
      epochVerifierInstance: 'epoch_test',
      registrationVerifierInstance: 'registration_test',
      epochInstanceId: h(1),
      registrationInstanceId: h(2),
      epochVerifier: a(6),
      registrationVerifier: a(7),
      feed: a(16 * poolId + 10),
      token: a(16 * poolId + 11),
      payout: { mode: 'fixedRate' as const, conversionRateE18: '1400000000000000000000' },
      supplyCap: '1000000000000000000000000',
      distributionGraceS: 86_400,
      currencyCode: 'CNY',
      currencyDecimals: 2,
      maxTariffMinorPerKwh: 190,
      epochLengthS: 900,
      genesisTs: 1_767_225_600,
      investorShareBps: 7_000,
    })),
  };
}
