import { spawn } from 'node:child_process';

const RESULT_PREFIX = 'BENCH_RESULT ';

/**
 * Runs one benchmark worker and resolves with its parsed result line, or with the last
 * lines of its stderr. Never rejects; a worker past `timeoutMs` is killed by its PID.
 */
export function runWorker({ script, args, cwd, env = process.env, timeoutMs }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({ ok: false, error: `timed out after ${timeoutMs / 1000}s` });
        return;
      }
      const line = stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        resolve({ ok: true, result: JSON.parse(line.slice(RESULT_PREFIX.length)) });
        return;
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({ ok: false, error: tail || `exit code ${code}` });
    });
  });
}
