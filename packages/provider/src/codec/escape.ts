import { LITERAL_TAG, tagNameOf } from './tags.js';

/**
 * Escaping user objects that look like tags.
 *
 * A user may store any JSON value, including `{"$wk:date": "…"}` or `{"$wk:blob": "x"}`.
 * Written as is, a reader could not tell it from a tag: it would come back as a `Date`, or as a
 * blob reference that fails to load and takes the whole read (a `runs.list` page) with it.
 * So the writer wraps every user object that has the shape of a tag (one member, named with the
 * tag prefix) in `{"$wk:literal": <the object>}`, and the reader unwraps it without reading the
 * inner object as a tag. Its member's value is encoded and decoded like any other value.
 *
 * Only that shape is escaped: an object with two or more members can never be a tag, so it is
 * written exactly as earlier versions of Worldkit wrote it.
 */

/** The wrapper for a user object of tag shape, or `undefined` when `value` needs no escape. */
export function escapeIfTagLike(value: unknown): { [LITERAL_TAG]: object } | undefined {
  if (tagNameOf(value) === undefined) return undefined;
  return { [LITERAL_TAG]: value as object };
}

/**
 * The user object inside a `$wk:literal` wrapper's content, or `undefined` when the content is
 * not what a writer escapes (then the wrapper itself is the user's plain object). The returned
 * object's own shape must not be read as a tag; its member's value is still decoded.
 */
export function unescapeLiteral(content: unknown): Record<string, unknown> | undefined {
  return tagNameOf(content) === undefined ? undefined : (content as Record<string, unknown>);
}
