/** What a hidden value is shown as. */
export const MASK = '***';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * An address (URL) with its secrets hidden, for output, logs and errors: the user-info
 * (`https://user:pass@host` → `https://***@host`), every query value with its key kept
 * (`?x-vercel-protection-bypass=abc&x=1` → `?x-vercel-protection-bypass=***&x=***`; a bare
 * query word is hidden whole) and a fragment. Scheme, host, port and path stay readable. Works
 * on the text as given (no normalisation), so the result reads like the stored address, and on
 * strings that are not valid URLs too (then everything up to the last `@` before the query is
 * taken for user-info, so a password holding `/` is hidden as well). Idempotent.
 */
export function maskUrlSecrets(address: string): string {
  const schemeEnd = SCHEME.exec(address)?.[0].length ?? 0;
  const tail = address.slice(schemeEnd);
  const queryOrHash = tail.search(/[?#]/);
  const beforeQuery = queryOrHash === -1 ? tail : tail.slice(0, queryOrHash);
  let afterScheme = tail;
  if (schemeEnd > 0) {
    // A valid URL's user-info ends before its authority does (at the first `/`).
    const slash = beforeQuery.indexOf('/');
    const authority =
      URL.canParse(address) && slash !== -1 ? beforeQuery.slice(0, slash) : beforeQuery;
    const at = authority.lastIndexOf('@');
    if (at !== -1) afterScheme = `${MASK}@${tail.slice(at + 1)}`;
  }
  const hashAt = afterScheme.indexOf('#');
  const beforeHash = hashAt === -1 ? afterScheme : afterScheme.slice(0, hashAt);
  const fragment = hashAt === -1 ? undefined : afterScheme.slice(hashAt + 1);
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : beforeHash.slice(queryAt + 1);
  return (
    address.slice(0, schemeEnd) +
    path +
    (query === undefined ? '' : `?${maskQuery(query)}`) +
    (fragment === undefined ? '' : `#${fragment === '' ? '' : MASK}`)
  );
}

function maskQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const equals = pair.indexOf('=');
      if (equals === -1) return MASK;
      return `${pair.slice(0, equals)}=${equals === pair.length - 1 ? '' : MASK}`;
    })
    .join('&');
}

/** `key=value` pairs whose value is a credential, as libpq and other DSNs write them. */
const SECRET_PAIR =
  /\b(password|passwd|pwd|pass|token|secret|api[_-]?key|access[_-]?key|secret[_-]?key|auth)(\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;]+)/gi;
/** `user:password@` that did not parse as part of a URL (e.g. a scheme missing its colon). */
const LOOSE_USER_INFO = /(^|[\s/])([^\s/@]*:[^\s@]*)@/g;
/** From a leading `scheme://` to the last `@` of the text. */
const LEADING_URL_USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/).*@/is;
/** Anything that reads as a URL inside a longer text. */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/**
 * Text with every credential hidden, for errors and logs: URLs inside it as `maskUrlSecrets`
 * does (user-info, query values, fragment), and credential pairs of key=value connection
 * strings (`host=db password=x user=app` → `host=db password=*** user=app`). The one function
 * every error message and log line that may show a setting's value goes through.
 */
export function maskSecrets(text: string): string {
  return (
    text
      // A value that starts as a URL: everything up to its last `@` is user-info, even when a
      // password holds spaces (which would end the URL match below early).
      .replace(LEADING_URL_USER_INFO, `$1${MASK}@`)
      .replace(URL_IN_TEXT, (url) => maskUrlSecrets(url))
      .replace(LOOSE_USER_INFO, (_match, before: string) => `${before}${MASK}@`)
      .replace(SECRET_PAIR, (_pair, key: string, equals: string) => `${key}${equals}${MASK}`)
  );
}
