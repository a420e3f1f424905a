export * from '../../lib/servers/process.ts';
