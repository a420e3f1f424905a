/** Phase "pool": the fleet registered on-chain and at the gateway, investors allowlisted and minted tokens. */
import { type DemoAccount, deriveAccount, fundForGas } from '../accounts.ts';
import { registerFleet, setUpInvestors } from '../pool.ts';
import type { DemoDeployment } from './chain.ts';
import { checkAborted, type DemoContext, phaseLog } from './context.ts';
import type { DemoIngest } from './gateway.ts';

const STABLECOIN_BUDGET_UNITS = 10n ** 15n;

/** The pool's accounts after set-up. */
export interface DemoPoolAccounts {
  distributor: DemoAccount;
  investors: Array<{ account: DemoAccount; tokens: number }>;
  evCount: number;
  pvCount: number;
}

/** Registers every device (chain and gateway, same order), funds the derived accounts and mints the tokens. */
export async function setUpPool(
  context: DemoContext,
  chain: DemoDeployment,
  ingest: DemoIngest,
): Promise<DemoPoolAccounts> {
  const log = phaseLog(context, 'pool');
  const { generator, gateway } = ingest;
  const evCount = generator.devices.filter((d) => d.kind === 'ev').length;
  const pvCount = generator.devices.length - evCount;
  log.info(
    `pool: registering ${evCount} EV charging piles and ${pvCount} PV sites on-chain and at the gateway ...`,
  );
  await registerFleet(
    chain.operator,
    chain.deployment,
    chain.pool,
    gateway.registry,
    generator,
    context.signal,
  );
  const key = chain.chain.privateKey;
  const distributor = deriveAccount(chain.chain, key, 'distributor');
  const investors = context.options.investorTokens.map((tokens, i) => ({
    account: deriveAccount(chain.chain, key, `investor-${i + 1}`),
    tokens,
  }));
  await fundForGas(chain.operator, [distributor, ...investors.map((i) => i.account)]);
  await setUpInvestors(
    chain.operator,
    chain.deployment,
    chain.pool,
    investors,
    distributor,
    STABLECOIN_BUDGET_UNITS,
  );
  log.info(
    `token: ${investors.map((i) => `${i.account.label} ${i.tokens}`).join(', ')} tokens minted to allowlisted wallets; distributor ${distributor.address}`,
  );
  checkAborted(context.signal);
  return { distributor, investors, evCount, pvCount };
}
