import {
  type LifecycleV1,
  type ProviderContextV1,
  type ProviderV1,
  SLOTS,
  type Slot,
  SPECIFICATION_VERSION_V1,
} from '@worldkit/provider';
import { z } from 'zod';

/** The contract generation every provider in this repository implements. */
export const SPECIFICATION_VERSION = SPECIFICATION_VERSION_V1;
export const SUPPORTED_SPECIFICATION_VERSIONS = [SPECIFICATION_VERSION] as const;
export type SpecificationVersion = (typeof SUPPORTED_SPECIFICATION_VERSIONS)[number];

export { SLOTS, type Slot };

/** What a provider receives when the composer asks it for its instance (`ProviderContextV1`). */
export type ProviderContext = ProviderContextV1;

/** A provider of one slot (`ProviderV1` of `@worldkit/provider`). */
export type ProviderBase<S extends Slot, Instance, Capabilities extends object> = ProviderV1<
  S,
  Instance,
  Capabilities
>;

/** Lifecycle hooks any slot instance may have. */
export type Lifecycle = LifecycleV1;

/** The loose shape the config schema accepts before the composer checks details. */
export const providerShapeSchema = z.looseObject({
  slot: z.enum(SLOTS),
  specificationVersion: z.string(),
  name: z.string().min(1),
  packageName: z.string().min(1),
  capabilities: z.record(z.string(), z.unknown()),
  create: z.custom<(context: ProviderContext) => unknown>((value) => typeof value === 'function', {
    message: 'expected a create(context) function',
  }),
});
