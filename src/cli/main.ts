#!/usr/bin/env node
/** `chut`'s entry: holds SIGHUP (hang-up.ts), then loads the commands and runs the one asked for. */
import { holdHangUps } from './hang-up.js';

holdHangUps();
const { runCli } = await import('./dispatch.js');
runCli(process.argv.slice(2));
