import type { WorldConfig } from '@worldkit/core';

export function useEmulatorCredentials(): void;
/** Storage, queue and streamer of `env.REL_COMPOSITION`, plus recovery settings if given. */
export function compositionParts(
  env?: NodeJS.ProcessEnv,
): Promise<Pick<WorldConfig, 'storage' | 'queue' | 'streamer' | 'recovery'>>;
