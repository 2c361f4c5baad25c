import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startFauxqs } from './fauxqs.js';

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('startFauxqs', () => {
  it('runs fauxqs in a child process on 127.0.0.1 only, answers SQS calls, and stops by PID', async () => {
    const fauxqs = await startFauxqs();
    expect(fauxqs.endpoint).toBe(`http://127.0.0.1:${fauxqs.port}`);
    expect(fauxqs.pid).not.toBe(process.pid);
    const response = await fetch(fauxqs.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.CreateQueue',
      },
      body: JSON.stringify({ QueueName: 'probe' }),
    });
    expect(await response.json()).toEqual({
      QueueUrl: expect.stringMatching(/\/000000000000\/probe$/),
    });
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) expect(await canConnect(external.address, fauxqs.port)).toBe(false);

    await fauxqs.stop();
    expect(() => process.kill(fauxqs.pid, 0)).toThrow();
  });
});
