/** Moved to `@worldkit/provider`; re-exported for existing imports. */
export {
  createOutageReport,
  type OutageReport,
  type OutageReportSettings,
} from '@worldkit/provider';
