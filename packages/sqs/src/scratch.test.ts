import { startFauxqs } from '@worldkit/testing';
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { it } from 'vitest';
it('fauxqs', async () => {
  const fq = await startFauxqs();
  const client = new SQSClient({ endpoint: fq.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const q = await client.send(new CreateQueueCommand({ QueueName: 'main' }));
  const t0 = Date.now();
  const p = client.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, WaitTimeSeconds: 20, VisibilityTimeout: 5 }));
  await client.send(new SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'hi', DelaySeconds: 1 }));
  const r = await p;
  console.log('delayed received after', Date.now() - t0, r.Messages?.length);
  // visibility 0 release
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.QueueUrl, ReceiptHandle: r.Messages![0].ReceiptHandle, VisibilityTimeout: 0 }));
  const t1 = Date.now();
  const r2 = await client.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'] }));
  console.log('released received after', Date.now() - t1, r2.Messages?.[0]?.Attributes);
  // receive w/ visibility 1 then wait for it to reappear while polling
  const t2 = Date.now();
  await client.send(new ChangeMessageVisibilityCommand({ QueueUrl: q.QueueUrl, ReceiptHandle: r2.Messages![0].ReceiptHandle, VisibilityTimeout: 1 }));
  const r3 = await client.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, WaitTimeSeconds: 20 }));
  console.log('visibility expiry received after', Date.now() - t2, r3.Messages?.length);
  // 0.5s-ish: many messages
  for (let i = 0; i < 25; i++) await client.send(new SendMessageCommand({ QueueUrl: q.QueueUrl, MessageBody: 'm' + i }));
  const r4 = await client.send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  console.log('batch', r4.Messages?.map((m) => m.Body));
  await fq.stop();
});
