import { Duration, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Which Vercel deployments may assume the app's role. */
export interface VercelProjectProps {
  /** The team's slug, the `<team>` in `vercel.com/<team>` (OIDC issuer mode "Team"). */
  teamSlug: string;
  /** The project's name, as in the token's `sub` claim. */
  projectName: string;
  /**
   * Environments whose deployments may assume the role: `production`, `preview`,
   * `development` or a custom environment's name. Default `['production']`.
   */
  environments?: string[];
  /**
   * ARN of an IAM OIDC provider for `https://oidc.vercel.com/<team>` that already exists in the
   * account (an account holds one provider per issuer URL). Default: one is created.
   */
  oidcProviderArn?: string;
  /** Physical role name. Default: generated. */
  roleName?: string;
}

export interface VercelOidcRoleProps extends VercelProjectProps {
  /** What the app may do with these credentials. */
  statements: iam.PolicyStatement[];
}

/** `oidc.vercel.com/<team>`: the issuer without scheme, as IAM names condition keys. */
export function vercelIssuerHost(teamSlug: string): string {
  return `oidc.vercel.com/${teamSlug}`;
}

/** The audience Vercel puts in a team-issuer token: `https://vercel.com/<team>`. */
export function vercelAudience(teamSlug: string): string {
  return `https://vercel.com/${teamSlug}`;
}

/** The `sub` claim of a token for one project and environment. */
export function vercelSubject(teamSlug: string, projectName: string, environment: string): string {
  return `owner:${teamSlug}:project:${projectName}:environment:${environment}`;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const PROJECT = /^[a-z0-9][a-z0-9._-]*$/;
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The role a Vercel app assumes with its OIDC token (`awsCredentialsProvider({ roleArn })` from
 * `@vercel/functions/oidc`), and the account's OIDC provider for the team's issuer. The trust
 * policy requires the team's audience and one of the project's `sub` claims exactly, so no other
 * team, project or environment can assume it.
 */
export class VercelOidcRole extends Construct {
  readonly role: iam.Role;
  readonly oidcProvider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: VercelOidcRoleProps) {
    super(scope, id);
    const environments = props.environments ?? ['production'];
    check('teamSlug', props.teamSlug, SLUG);
    check('projectName', props.projectName, PROJECT);
    if (environments.length === 0) {
      throw new Error('@worldkit/aws-cdk: vercel.environments needs at least one environment');
    }
    for (const environment of environments) check('environments', environment, ENVIRONMENT);

    const issuer = vercelIssuerHost(props.teamSlug);
    this.oidcProvider = props.oidcProviderArn
      ? iam.OidcProviderNative.fromOidcProviderArn(this, 'Provider', props.oidcProviderArn)
      : new iam.OidcProviderNative(this, 'Provider', {
          url: `https://${issuer}`,
          clientIds: [vercelAudience(props.teamSlug)],
        });

    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `Worldkit: ${props.teamSlug}/${props.projectName} on Vercel (${environments.join(', ')})`,
      // By ARN: with aws-cdk-lib 2.214, OpenIdConnectPrincipal given an OidcProviderNative
      // renders an empty principal.
      assumedBy: new iam.WebIdentityPrincipal(this.oidcProvider.oidcProviderArn, {
        StringEquals: {
          [`${issuer}:aud`]: vercelAudience(props.teamSlug),
          [`${issuer}:sub`]: environments.map((environment) =>
            vercelSubject(props.teamSlug, props.projectName, environment),
          ),
        },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { App: new iam.PolicyDocument({ statements: props.statements }) },
    });
  }
}

/** Plain strings only: the team slug and project become IAM condition keys and values. */
function check(option: string, value: string, pattern: RegExp): void {
  if (Token.isUnresolved(value)) {
    throw new Error(
      `@worldkit/aws-cdk: vercel.${option} must be a plain string (it is written into IAM condition keys), not a token`,
    );
  }
  if (pattern.test(value)) return;
  throw new Error(
    `@worldkit/aws-cdk: vercel.${option} ${JSON.stringify(value)} does not match ${pattern}`,
  );
}
