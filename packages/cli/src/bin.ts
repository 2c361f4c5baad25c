#!/usr/bin/env node
import { processStdoutClosed } from './cli-io.js';
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2));
// Exit once stdout and stderr have drained (into a pipe that is asynchronous): a driver socket
// left behind by a backend that never answered must not keep a finished command alive. A stdout
// whose reader left early (`| head -1`) has nothing left to drain.
process.exitCode = code;
const drainStderr = () => process.stderr.write('', () => process.exit(code));
if (processStdoutClosed()) drainStderr();
else process.stdout.write('', drainStderr);
