import {
  type ProviderBase,
  type Slot,
  SUPPORTED_SPECIFICATION_VERSIONS,
} from '../contracts/provider.js';
import { MissingCapabilityError, ProviderVersionError } from '../errors.js';

type AnyProvider = ProviderBase<Slot, unknown, object>;

/** A capability the composer cannot work without, and what to do when it is missing. */
interface Requirement {
  slot: Slot;
  capability: string;
  satisfied: (value: unknown) => boolean;
  fix: string;
}

const REQUIREMENTS: Requirement[] = [
  {
    slot: 'storage',
    capability: 'atomicEventWrites',
    satisfied: (value) => value === true,
    fix:
      'the runtime relies on each event and its entity change being written atomically ' +
      '(docs/contract.md); use a storage provider that declares atomicEventWrites: true.',
  },
  {
    slot: 'storage',
    capability: 'maxSpecVersion',
    satisfied: (value) => typeof value === 'number' && value >= 2,
    fix: 'event-sourced runs need spec version 2 or later; upgrade the storage package.',
  },
  {
    slot: 'queue',
    capability: 'maxDelaySeconds',
    satisfied: (value) => value === null || (typeof value === 'number' && value > 0),
    fix: 'declare the longest native delay in seconds (or null for unbounded) so long sleeps can be chained.',
  },
];

/** Fails fast, before any provider is created, on contract drift between packages. */
export function negotiate(provider: AnyProvider): void {
  // Typed as the literal this package supports; a provider built for another generation
  // (or plain JavaScript) can carry any string, which is what this check is for.
  if (
    !(SUPPORTED_SPECIFICATION_VERSIONS as readonly string[]).includes(provider.specificationVersion)
  ) {
    throw new ProviderVersionError(
      provider.slot,
      provider.packageName,
      provider.specificationVersion,
      SUPPORTED_SPECIFICATION_VERSIONS,
    );
  }
  for (const requirement of REQUIREMENTS) {
    if (requirement.slot !== provider.slot) continue;
    const declared = (provider.capabilities as Record<string, unknown>)[requirement.capability];
    if (!requirement.satisfied(declared)) {
      throw new MissingCapabilityError(
        provider.slot,
        provider.packageName,
        requirement.capability,
        requirement.fix,
      );
    }
  }
}
