/** What a SQS batch request answers for an entry it did not carry out. */
export interface BatchEntryFailure {
  Id?: string;
  Code?: string;
  Message?: string;
  SenderFault?: boolean;
}

/**
 * Settles each entry of a batch request: resolves the ones SQS carried out and rejects each
 * failed one with an error shaped like the single call's (its `Code` as `name`, `$fault` and a
 * status), so callers classify it as they would the single call's error.
 */
export function settleBatchEntries(
  entries: Array<{ resolve(): void; reject(error: unknown): void }>,
  failures: BatchEntryFailure[] | undefined,
  action: string,
): void {
  const failed = new Map((failures ?? []).map((failure) => [failure.Id ?? '', failure]));
  entries.forEach((entry, index) => {
    const failure = failed.get(String(index));
    if (!failure) {
      entry.resolve();
      return;
    }
    const error = new Error(failure.Message ?? `SQS did not ${action} (${failure.Code})`);
    Object.assign(error, {
      name: failure.Code ?? 'BatchEntryFailed',
      $fault: failure.SenderFault === false ? 'server' : 'client',
      $metadata: { httpStatusCode: failure.SenderFault === false ? 500 : 400 },
    });
    entry.reject(error);
  });
}
