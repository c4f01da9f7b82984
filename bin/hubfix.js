#!/usr/bin/env node

// The CLI is compiled by `npm ci` (the prepare script runs tsc into build/).
const path = require('node:path');
// hubfix targets Node.js 20; the SDK's notice that its 2027 releases need Node 22 is not the
// operator's concern on every command (the README says so once).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'build', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('hubfix: not compiled yet; run `npm ci` (or `npx tsc`) in the hubfix checkout first\n');
  process.exit(2);
}
require(entry)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
