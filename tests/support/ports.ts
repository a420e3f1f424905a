export * from '../../lib/servers/ports.ts';
