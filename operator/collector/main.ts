#!/usr/bin/env node
import { writeFileSync } from "node:fs";
import { CHECKS } from "./checks/registry.js";
import { collectorMain, EXIT } from "./collectorMain.js";
import { ChildProcessRunner } from "./commandRunner.js";
import { exitProcess } from "./exitProcess.js";

/** The diagnose-collector CLI. Report to stdout, progress and errors to stderr. */
const runner = new ChildProcessRunner();
const exit = (code: number): never => {
  runner.killAll();
  return exitProcess(code);
};
// Its commands run in their own process groups: a stopped collector takes them down with it.
process.once("SIGTERM", () => exit(128 + 15));
process.once("SIGINT", () => exit(128 + 2));

void collectorMain(process.argv.slice(2), {
  checks: CHECKS,
  runner,
  now: () => new Date(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  writeFileSync: (path, data) => writeFileSync(path, data),
  exit,
}).catch(() => exit(EXIT.failed));
