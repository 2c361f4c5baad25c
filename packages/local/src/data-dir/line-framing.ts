import { crc32 } from 'node:zlib';

/**
 * Framing of the JSON-lines journals (storage and queue): every line is
 *
 *   <json> TAB <crc32 of the json, 8 hex digits> LF
 *
 * JSON.stringify never writes a raw tab (tabs inside strings are escaped), so the last tab
 * splits a line unambiguously. The checksum lets a reader tell a complete record from one a
 * crash left half-written, including one that happens to end in a newline. Lines written
 * before checksums existed have no tab and are read unchecked.
 */
const TAB = '\t';
const NEWLINE = 0x0a;

export function frameLine(json: string): string {
  return `${json}${TAB}${crc32(json).toString(16).padStart(8, '0')}\n`;
}

export type ParsedLine = { type: 'json'; json: string } | { type: 'corrupt'; reason: string };

/** Checks one line (without its newline) and returns its JSON text. */
export function parseFramedLine(line: string): ParsedLine {
  const tab = line.lastIndexOf(TAB);
  if (tab === -1) return { type: 'json', json: line };
  const json = line.slice(0, tab);
  const written = line.slice(tab + 1);
  if (!/^[0-9a-f]{8}$/.test(written)) return { type: 'corrupt', reason: 'malformed checksum' };
  if (Number.parseInt(written, 16) !== crc32(json)) {
    return { type: 'corrupt', reason: 'checksum mismatch' };
  }
  return { type: 'json', json };
}

export interface ScannedLines {
  /** Every complete, intact line from the start of `bytes`, without newlines or checksums. */
  lines: string[];
  /** Bytes of `bytes` those lines cover: where the next read starts. */
  consumed: number;
  /**
   * Why the scan stopped before the end of `bytes`: a line without its newline yet, or a last
   * line whose checksum fails (a torn write). Undefined when everything was consumed.
   */
  tail?: 'incomplete' | 'corrupt';
}

/**
 * Splits `bytes` into complete, checksum-valid lines. A bad line followed by intact ones is
 * damage a crash cannot cause, so it throws (naming `file` and the line number, counted from
 * `firstLineNumber`); a bad or unfinished last line is left for the caller (a reader waits
 * for it, the writer cuts it off).
 */
export function scanLines(bytes: Buffer, file: string, firstLineNumber = 1): ScannedLines {
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  const lines: string[] = [];
  let at = 0;
  let lineNumber = firstLineNumber;
  while (at < end) {
    const newline = bytes.indexOf(NEWLINE, at);
    const text = bytes.toString('utf8', at, newline);
    const parsed = parseFramedLine(text);
    if (parsed.type === 'corrupt') {
      if (newline + 1 < end) {
        throw new Error(
          `@worldkit/local: ${file}:${lineNumber} is damaged (${parsed.reason}) with intact ` +
            'records after it; move the file aside to start over',
        );
      }
      return { lines, consumed: at, tail: 'corrupt' };
    }
    if (parsed.json !== '') lines.push(parsed.json);
    at = newline + 1;
    lineNumber++;
  }
  return { lines, consumed: at, tail: at < bytes.length ? 'incomplete' : undefined };
}
