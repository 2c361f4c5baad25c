/** The contract generation every provider built on this package implements. */
export const SPECIFICATION_VERSION = 'v1' as const;
export {
  decodeTaggedJson,
  decodeTaggedValue,
  NOT_A_TAG,
  type TaggedJsonDecoding,
  type TagReader,
} from './codec/decode.js';
export { encodeTaggedJson, type TaggedJsonEncoding } from './codec/encode.js';
export {
  BYTES_TAG,
  DATE_TAG,
  LITERAL_TAG,
  TAG_PREFIX,
  type TagObject,
  TEXT_TAG,
  tagNameOf,
} from './codec/tags.js';
