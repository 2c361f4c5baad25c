import { createHook } from 'workflow';

export interface ApprovalDecision {
  approved: boolean;
  approver: string;
}

/**
 * Suspends until someone outside the workflow calls `resumeHook(token, decision)`.
 * The token is deterministic so the caller can find the hook without knowing the run.
 */
export async function awaitApproval(requestId: string) {
  'use workflow';

  await openRequest(requestId);
  using hook = createHook<ApprovalDecision>({ token: `approval:${requestId}` });
  const decision = await hook;
  const outcome = await recordDecision(requestId, decision);
  return outcome;
}

async function openRequest(requestId: string) {
  'use step';
  return `request ${requestId} opened`;
}

async function recordDecision(requestId: string, decision: ApprovalDecision) {
  'use step';
  return `${requestId} ${decision.approved ? 'approved' : 'rejected'} by ${decision.approver}`;
}
