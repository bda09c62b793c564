export * from './codec.ts';
export * from './client.ts';
export * from './probe.ts';
export * from './settings.ts';
export * from './signaling.ts';
