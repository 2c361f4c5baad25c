/**
 * Writes are Lua scripts so the closed check and the append are one atomic step: a chunk
 * can never land after the end marker, whichever process writes it.
 *
 * Entry ids are `0-<n>`: `XADD key 0-*` (Redis 7+) numbers entries 1, 2, 3 … in order, so the
 * chunk at index i has id `0-(i+1)`. Reading from any index, resuming a cursor and finding
 * the tail are then single range lookups instead of scans.
 *
 * Data entries have one field `d` (the bytes); the end marker has one field `end`.
 */

/** KEYS: stream, run set. ARGV: stream name, now (ms), chunk… Returns chunks added, -1 if closed. */
export const APPEND_CHUNKS = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'end' then return -1 end
for i = 3, #ARGV do
  redis.call('XADD', KEYS[1], '0-*', 'd', ARGV[i])
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
return #ARGV - 2`;

/** KEYS: stream, run set. ARGV: stream name, now (ms). Returns 1, or 0 if already closed. */
export const CLOSE_STREAM = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][1] == 'end' then return 0 end
redis.call('XADD', KEYS[1], '0-*', 'end', '1')
redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1])
return 1`;
