export type {
  StorageConformanceCapabilities,
  StorageConformanceOptions,
  StorageUnderTest,
} from './conformance-options.js';
export { describeStorageConformance } from './describe-storage-conformance.js';
