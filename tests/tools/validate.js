#!/usr/bin/env node
// Validates a JSON document against an official schema shipped in an npm
// package (never fetched from the web).
//
//   node validate.js cyclonedx-1.5 FILE   CycloneDX 1.2-1.7 JSON, strict, with
//                                         the schemas of @cyclonedx/cyclonedx-library
//   node validate.js PATH/TO/schema.json FILE   any draft-07 / 2019-09 / 2020-12 schema
//
// Exit status: 0 valid, 1 invalid (errors on stderr), 2 usage or setup error.
'use strict';

const fs = require('fs');
const path = require('path');

function usage(msg) {
  process.stderr.write(`${msg}\nusage: node validate.js (cyclonedx-1.N | SCHEMA.json) FILE\n`);
  process.exit(2);
}

async function validateCycloneDx(version, text) {
  const CDX = require('@cyclonedx/cyclonedx-library');
  const known = Object.values(CDX.Spec.Version);
  if (!known.includes(version)) usage(`unknown CycloneDX version ${version}`);
  const validator = new CDX.Validation.JsonStrictValidator(version);
  return validator.validate(text);  // null when valid, else an error list
}

function validateWithSchema(schemaPath, text) {
  const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
  const draft = String(schema.$schema || '');
  let Ajv;
  if (draft.includes('2020-12')) Ajv = require('ajv/dist/2020').default;
  else if (draft.includes('2019-09')) Ajv = require('ajv/dist/2019').default;
  else Ajv = require('ajv').default;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  require('ajv-formats')(ajv);
  // Load sibling schemas so that relative $refs resolve offline.
  const dir = path.dirname(schemaPath);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (!name.endsWith('.json') || full === path.resolve(schemaPath)) continue;
    try { ajv.addSchema(JSON.parse(fs.readFileSync(full, 'utf8')), name); } catch (_) { /* not a schema */ }
  }
  const validate = ajv.compile(schema);
  return validate(JSON.parse(text)) ? null : validate.errors;
}

async function main() {
  const [which, file] = process.argv.slice(2);
  if (!which || !file) usage('missing arguments');
  const text = fs.readFileSync(file, 'utf8');
  let errors;
  const m = /^cyclonedx-(1\.\d)$/.exec(which);
  if (m) errors = await validateCycloneDx(m[1], text);
  else errors = validateWithSchema(path.resolve(which), text);
  if (errors) {
    process.stderr.write(`${file}: INVALID against ${which}\n${JSON.stringify(errors, null, 2)}\n`);
    process.exit(1);
  }
  process.stdout.write(`${file}: valid against ${which}\n`);
}

main().catch((e) => {
  process.stderr.write(`validate.js: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
});
