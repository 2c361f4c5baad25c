#!/usr/bin/env node
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2));
// Exit once stdout and stderr have drained (into a pipe that is asynchronous): a driver socket
// left behind by a backend that never answered must not keep a finished command alive.
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
