import { MIN_SECRET_LENGTH } from '@worldkit/http';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** Length of a generated dispatch secret (letters and digits: about 380 bits). */
export const GENERATED_SECRET_LENGTH = 64;

/**
 * The shared HMAC secret of `@worldkit/http`: the given one, or a new Secrets Manager secret
 * of 64 letters and digits (`@worldkit/http` needs at least 32 characters).
 */
export function dispatchSecretFor(
  scope: Construct,
  given: secretsmanager.ISecret | undefined,
): secretsmanager.ISecret {
  if (given) return given;
  return new secretsmanager.Secret(scope, 'DispatchSecret', {
    description: `Worldkit WORLDKIT_DISPATCH_SECRET: HMAC key shared by the dispatcher and the app (at least ${MIN_SECRET_LENGTH} characters)`,
    generateSecretString: {
      passwordLength: GENERATED_SECRET_LENGTH,
      excludePunctuation: true,
      includeSpace: false,
      requireEachIncludedType: true,
    },
  });
}
