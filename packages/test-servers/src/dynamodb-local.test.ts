import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';

/** Local addresses `ss` reports as listening for this PID (e.g. `127.0.0.1:8000`). */
function listeningAddresses(pid: number): string[] {
  const output = execFileSync('ss', ['-H', '-ltnp'], { encoding: 'utf8' });
  return output
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => line.trim().split(/\s+/)[3] ?? '');
}

describe('DynamoDB Local launcher', () => {
  let server: RunningDynamoDbLocal;

  beforeAll(async () => {
    server = await startDynamoDbLocal();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('listens on 127.0.0.1 only', () => {
    const addresses = listeningAddresses(server.pid);
    expect(addresses.some((address) => address.endsWith(`:${server.port}`))).toBe(true);
    for (const address of addresses) {
      // Java reports IPv4 sockets on a dual-stack JVM as IPv4-mapped IPv6.
      expect(address).toMatch(/^(?:127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):\d+$/);
    }
  });

  it('answers the DynamoDB JSON protocol', async () => {
    const response = await fetch(server.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ TableNames: [] });
  });

  it('stops by PID', async () => {
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});
