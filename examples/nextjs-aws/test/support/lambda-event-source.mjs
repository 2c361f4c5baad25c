// What an AWS Lambda SQS event source mapping does, for a test: receive a batch, invoke the
// dispatcher's Lambda handler with an SQS event, then delete every record the handler did not
// report in `batchItemFailures` (those reappear after the visibility timeout). Runs in its own
// process with the app's environment plus AWS_LAMBDA_FUNCTION_NAME, like a Lambda container.
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { handler } from '../../dispatcher/lambda.mjs';

const region = process.env.AWS_REGION ?? 'us-east-1';
const client = new SQSClient({ region, endpoint: process.env.WORLDKIT_SQS_ENDPOINT });
const queueUrl =
  process.env.WORLDKIT_SQS_QUEUE_URL ??
  (await client.send(new GetQueueUrlCommand({ QueueName: process.env.WORLDKIT_SQS_QUEUE_NAME })))
    .QueueUrl;
const queueArn = `arn:aws:sqs:${region}:000000000000:${queueUrl.split('/').pop()}`;

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    stopping = true;
  });
}

let invocations = 0;
console.log(`lambda event source: polling ${queueUrl}`);
while (!stopping) {
  let messages;
  try {
    ({ Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
      }),
    ));
  } catch (error) {
    console.error(`lambda event source: receive failed: ${error.message}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    continue;
  }
  if (messages.length === 0) continue;
  const event = {
    Records: messages.map((message) => ({
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
  invocations++;
  let failed;
  try {
    const response = await handler(event);
    failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  } catch (error) {
    // A handler that throws fails the whole batch: Lambda deletes nothing.
    console.error(`lambda event source: invocation ${invocations} threw: ${error.message}`);
    continue;
  }
  const done = messages.filter((message) => !failed.has(message.MessageId));
  if (failed.size > 0) {
    console.log(`lambda event source: invocation ${invocations}: ${failed.size} record(s) failed`);
  }
  if (done.length > 0) {
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}
console.log(`lambda event source: stopped after ${invocations} invocations`);
process.exit(0);
