import { postgres } from '@worldkit/postgres';
import { bullmqQueue, redisStreamer } from '@worldkit/redis';
import { describe, expect, it } from 'vitest';

// A config error shows what it got, so a user can see the mistake — but never a credential,
// wherever it sits: URL user-info, a query parameter, or a key=value connection string.
const SECRET = 'Pa55-not-for-logs';

const badConfigs: Array<[string, () => unknown]> = [
  [
    'postgres URL with ?password=',
    () => postgres({ connectionString: `nonsense://h/d?password=${SECRET}` }),
  ],
  [
    'postgres key=value connection string',
    () => postgres({ connectionString: `host=db password=${SECRET} user=app` }),
  ],
  [
    'redis URL with ?password= (queue)',
    () => bullmqQueue({ url: `redis//h:6379/0?password=${SECRET}` }),
  ],
  ['redis URL with user-info (streamer)', () => redisStreamer({ url: `redis//:${SECRET}@h:6379` })],
];

describe('config errors never print a credential', () => {
  it.each(badConfigs)('%s', (_name, make) => {
    let message = '';
    try {
      make();
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message, 'the bad config must be refused').toMatch(/^Invalid @worldkit\//);
    expect(message).toContain('***');
    expect(message).not.toContain(SECRET);
  });
});
