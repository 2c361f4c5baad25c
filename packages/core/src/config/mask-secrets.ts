/** Moved to `@worldkit/provider`; re-exported for existing imports. */
export { MASK, maskSecrets, maskUrlSecrets } from '@worldkit/provider';
