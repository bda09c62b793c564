import { ContainerEngineUnavailableError, detectContainerEngine } from '../../../src/targets/testcontainers/engine.ts';

/** Whether this machine has a container engine, asked once per worker; the reason goes into skip messages. */
let cached: Promise<{ available: boolean; detail: string }> | undefined;

export function engineStatus(): Promise<{ available: boolean; detail: string }> {
  cached ??= detectContainerEngine().then(
    (e) => ({ available: true, detail: `${e.uri}, API ${e.serverVersion}` }),
    (err: unknown) => ({
      available: false,
      detail: err instanceof ContainerEngineUnavailableError ? (err.message.split('\n')[0] ?? err.message) : String(err),
    }),
  );
  return cached;
}
