/** The contract generation every provider built on this package implements. */
export const SPECIFICATION_VERSION = 'v1' as const;
