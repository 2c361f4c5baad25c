import { HookNotFoundError } from '@workflow/errors';
import type { StorageInstance } from '../contracts/storage.js';
import type { UpgradeLog } from '../contracts/versions.js';
import { checkedList } from '../storage/list-params-check.js';

/** An upgraded run upgraded again adds one hop; more than this is a loop, not a history. */
const MAX_HOPS = 16;

/**
 * The storage's hook reads, with one addition: a token that no live hook holds but that an
 * upgrade carried over (a token the runtime generated for the old run, re-generated differently
 * by the new one) resolves to the new run's hook. That is how a webhook URL handed out before
 * an upgrade reaches the run that replaced its owner. Only the not-found path asks the log.
 */
export function hooksWithTokenAliases(
  hooks: StorageInstance['hooks'],
  upgradeLog: () => UpgradeLog,
): StorageInstance['hooks'] {
  return {
    get: (hookId, params) => hooks.get(hookId, params),
    list: (params) => checkedList(params, () => hooks.list(params)),
    async getByToken(token, params) {
      let current = token;
      for (let hop = 0; ; hop++) {
        try {
          return await hooks.getByToken(current, params);
        } catch (error) {
          if (!HookNotFoundError.is(error) || hop >= MAX_HOPS) throw error;
          const upgrade = await upgradeLog().findByToken(current);
          const alias = upgrade?.tokenAliases?.find((entry) => entry.from === current);
          if (!alias) throw error;
          current = alias.to;
        }
      }
    },
  };
}
