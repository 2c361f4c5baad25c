/** Moved to `@worldkit/provider`; re-exported for existing imports. */
export { resolveSetting, type SettingSchema, type SettingSpec } from '@worldkit/provider';
