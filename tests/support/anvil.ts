export * from '../../lib/servers/anvil.ts';
