/** Moved to `@worldkit/provider`; re-exported for existing imports. */
export { createRateLimitedWarning, type RateLimitedWarning } from '@worldkit/provider';
