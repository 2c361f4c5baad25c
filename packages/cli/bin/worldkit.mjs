#!/usr/bin/env node
// The `worldkit` command. A committed file rather than dist/bin.js itself, so that a package
// manager can link the command at install time, before the workspace is built.
await import('../dist/bin.js');
