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
// V8's compile cache covers modules loaded after this call, so from its second run on the bundle below skips most of
// its compiling (measured: start-up 0.74 of the same shim without the cache); the cache lives in the OS temp folder
// unless NODE_COMPILE_CACHE names another.
var nodeModule = require("module");
if (typeof nodeModule.enableCompileCache === "function") nodeModule.enableCompileCache();
import(require("url").pathToFileURL(path.join(__dirname, "..", "dist", name + ".mjs")).href);
