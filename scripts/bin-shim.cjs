#!/usr/bin/env node
// The file npm links as a bin of an exa-webhooks package. It checks the Node version, then loads the bundle
// ../dist/<this file's name>.mjs. An older Node gets one line saying what is needed (not a stack trace from deep
// inside a dependency) and exit status 1. The minimum is the package's own `engines.node`, so it is stated once.
//
// Plain ES5 CommonJS on purpose: it must parse and run on any Node old enough to need the message.
// This is the only committed copy: each package's build copies it to bin/<name>.cjs (scripts/copy-bin-shim.mjs, git-ignored),
// and make pack-test checks that every packed bin is byte-for-byte this file.
"use strict";
var path = require("path");
var name = path.basename(__filename, ".cjs");
var wanted = String(require("../package.json").engines.node).replace(/^[^0-9]*/, "");
var need = wanted.split(".").map(Number);
var have = process.versions.node.split(".").map(Number);
var tooOld = false;
for (var i = 0; i < 3; i++) {
  if ((have[i] || 0) !== (need[i] || 0)) {
    tooOld = (have[i] || 0) < (need[i] || 0);
    break;
  }
}
if (tooOld) {
  process.stderr.write(
    name + " needs Node.js " + wanted + " or later, but this is Node.js " + process.versions.node +
      " (" + process.execPath + "); install a current LTS from https://nodejs.org and run it again.\n"
  );
  process.exit(1);
}
// `--help` of a command (`name [COMMAND ...] --help`, or -h) is printed from the page the build rendered from the
// bundle itself (scripts/help-pages.mjs: dist/help/{plain,color}/<command path joined by dots, _ for none>.txt), without
// loading the bundle; any other arguments, or a page that is missing, go to the bundle, which answers the same.
// Colours as the bundle chooses them under `--color auto` (Output.useColor in @exa-webhooks/cli-kit): on a terminal,
// unless NO_COLOR is set (not empty) or TERM is dumb. With FORCE_COLOR set the bundle decides. The help pages' test
// (scripts/help-pages-check.ts) compares every case with the bundle's answer.
var args = process.argv.slice(2);
var last = args[args.length - 1];
var env = process.env;
if ((last === "--help" || last === "-h") && args.length <= 4 && (env.FORCE_COLOR === undefined || env.FORCE_COLOR === "") &&
  args.slice(0, -1).every(function (word) {
    return /^[a-z][a-z0-9-]*$/.test(word);
  })) {
  var fs = require("fs");
  var colors = require("tty").isatty(1) && (env.NO_COLOR === undefined || env.NO_COLOR === "") && env.TERM !== "dumb";
  var file = path.join(__dirname, "..", "dist", "help", colors ? "color" : "plain",
    (args.length === 1 ? "_" : args.slice(0, -1).join(".")) + ".txt");
  var page = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  if (page !== undefined) {
    // As console.log does: a reader that went away (`| head -1`) is not an error.
    process.stdout.on("error", function () {});
    process.stdout.write(page);
    return;
  }
}
// V8's compile cache covers modules loaded after this call, so from its second run on the bundle below skips most of
// its compiling (measured: start-up 0.74 of the same shim without the cache); the cache lives in the OS temp folder
// unless NODE_COMPILE_CACHE names another.
var nodeModule = require("module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();
import(require("url").pathToFileURL(path.join(__dirname, "..", "dist", name + ".mjs")).href);
