import { describe, expect, it } from 'vitest';
import { WorldkitConfigError } from '../errors.js';
import { resolveDeploymentId } from './deployment-id.js';

const fail = (run: () => unknown): WorldkitConfigError => {
  try {
    run();
  } catch (error) {
    if (WorldkitConfigError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a WorldkitConfigError');
};

describe('resolveDeploymentId', () => {
  it('takes the option, then WORLDKIT_DEPLOYMENT_ID, then VERCEL_DEPLOYMENT_ID, then "local"', () => {
    const both = { WORLDKIT_DEPLOYMENT_ID: 'vers_env', VERCEL_DEPLOYMENT_ID: 'dpl_vercel' };
    expect(resolveDeploymentId('vers_option', both)).toBe('vers_option');
    expect(resolveDeploymentId(undefined, both)).toBe('vers_env');
    expect(resolveDeploymentId(undefined, { VERCEL_DEPLOYMENT_ID: 'dpl_vercel' })).toBe(
      'dpl_vercel',
    );
    expect(resolveDeploymentId(undefined, {})).toBe('local');
    // An empty variable is unset, as for every other setting.
    expect(
      resolveDeploymentId(undefined, { WORLDKIT_DEPLOYMENT_ID: '', VERCEL_DEPLOYMENT_ID: 'dpl_v' }),
    ).toBe('dpl_v');
  });

  it('reads process.env by default', () => {
    const saved = { ...process.env };
    try {
      delete process.env.WORLDKIT_DEPLOYMENT_ID;
      process.env.VERCEL_DEPLOYMENT_ID = 'dpl_from_process';
      expect(resolveDeploymentId(undefined)).toBe('dpl_from_process');
    } finally {
      process.env = saved;
    }
  });

  it('names the variable that held a bad value', () => {
    const fromVercel = fail(() =>
      resolveDeploymentId(undefined, { VERCEL_DEPLOYMENT_ID: 'dpl bad' }),
    );
    expect(fromVercel.message.split('\n')[1]).toBe(
      '  - deploymentId: expected a string matching /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/, got "dpl bad" (from env VERCEL_DEPLOYMENT_ID) (or set env WORLDKIT_DEPLOYMENT_ID)',
    );

    // WORLDKIT_DEPLOYMENT_ID wins over VERCEL_DEPLOYMENT_ID, so it is the one named.
    const fromWorldkit = fail(() =>
      resolveDeploymentId(undefined, {
        WORLDKIT_DEPLOYMENT_ID: 'a b',
        VERCEL_DEPLOYMENT_ID: 'dpl_fine',
      }),
    );
    expect(fromWorldkit.message).toContain('got "a b" (or set env WORLDKIT_DEPLOYMENT_ID)');
    expect(fromWorldkit.message).not.toContain('VERCEL_DEPLOYMENT_ID');

    const fromOption = fail(() =>
      resolveDeploymentId('has space', { VERCEL_DEPLOYMENT_ID: 'dpl bad' }),
    );
    expect(fromOption.message).toContain('got "has space" (or set env WORLDKIT_DEPLOYMENT_ID)');
    expect(fromOption.message).not.toContain('VERCEL_DEPLOYMENT_ID');
  });
});
