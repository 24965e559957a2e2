// compile.js compiles every .sol file in the directory given as its first
// argument with the solc-js module found on NODE_PATH, and prints one JSON
// document: the compiler version and, per contract, its ABI and creation
// bytecode. build.sh runs it; see there.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort();
if (files.length === 0) {
  console.error(`compile.js: no .sol files in ${dir}`);
  process.exit(1);
}

const sources = {};
for (const f of files) {
  sources[f] = { content: fs.readFileSync(path.join(dir, f), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  if (e.severity === 'error') {
    failed = true;
  }
  console.error(e.formattedMessage);
}
if (failed) {
  process.exit(1);
}

const contracts = {};
for (const f of files) {
  for (const [name, c] of Object.entries(output.contracts[f] || {})) {
    if (contracts[name]) {
      console.error(`compile.js: contract ${name} is defined twice`);
      process.exit(1);
    }
    if (c.evm.bytecode.object === '') {
      continue; // an interface or abstract contract: nothing to deploy
    }
    contracts[name] = { abi: c.abi, bin: c.evm.bytecode.object };
  }
}
const sorted = {};
for (const name of Object.keys(contracts).sort()) {
  sorted[name] = contracts[name];
}
process.stdout.write(JSON.stringify({ compiler: solc.version(), contracts: sorted }, null, 1) + '\n');
