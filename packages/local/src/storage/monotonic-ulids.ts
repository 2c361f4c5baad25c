import { decodeTime, encodeTime, incrementBase32 } from 'ulid';

const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_LENGTH = 16;

/**
 * ULIDs that always sort after every id this store has minted or replayed. Event lists page by
 * id ("everything after cursor X"), so an event committed later must never sort earlier, or a
 * runtime that already read past X would never see it. One generator per store (not per
 * module) because several copies of this package can write to one shared store, and the seed
 * from the journal covers a clock that moved backwards across a restart.
 * Ids need uniqueness, not secrecy, so randomness comes from Math.random (the crypto source
 * cost more than the rest of a write).
 */
export class MonotonicUlids {
  private lastTime = -1;
  private lastRandom = '';

  /** Makes later ids sort after `ulid` (a bare ULID, no prefix). */
  observe(ulid: string): void {
    const time = decodeTime(ulid);
    const random = ulid.slice(10);
    if (time > this.lastTime || (time === this.lastTime && random > this.lastRandom)) {
      this.lastTime = time;
      this.lastRandom = random;
    }
  }

  next(): string {
    const now = Date.now();
    if (now > this.lastTime) {
      this.lastTime = now;
      this.lastRandom = randomPart();
    } else {
      this.lastRandom = incrementBase32(this.lastRandom);
    }
    return encodeTime(this.lastTime, 10) + this.lastRandom;
  }
}

function randomPart(): string {
  // The first digit stays below 16 so incrementing within one millisecond cannot overflow.
  let text = CROCKFORD_BASE32[Math.floor(Math.random() * 16)];
  for (let i = 1; i < RANDOM_LENGTH; i++) text += CROCKFORD_BASE32[Math.floor(Math.random() * 32)];
  return text;
}
