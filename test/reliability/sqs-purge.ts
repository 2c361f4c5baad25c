/**
 * PurgeQueue on an SQS endpoint (fauxqs in the tests) over the SQS JSON protocol, so the test
 * needs no SDK of its own. The emulator takes unsigned requests.
 */
async function sqsCall(
  endpoint: string,
  action: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`SQS ${action} answered ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Deletes every message of the queue, the delayed and the in-flight ones included. */
export async function purgeSqsQueue(endpoint: string, queueName: string): Promise<void> {
  const { QueueUrl } = await sqsCall(endpoint, 'GetQueueUrl', { QueueName: queueName });
  await sqsCall(endpoint, 'PurgeQueue', { QueueUrl });
}
