#!/usr/bin/env node
// Verify an eddsa-jcs-2022 Data Integrity proof with Digital Bazaar's stack.
//
//   node verify.mjs [--now ISO] [--purpose TERM] [--proof-only] [--no-jsonld]
//                   SIGNED.json
//
// exit 0, stdout {"verified":true}            the library verifies it
// exit 1, stdout {"verified":false,...errors} it does not (also: not JSON)
// exit 2, stderr usage message                bad arguments, unreadable file
//
// Steps, in order:
//   1. JSON-LD expansion in safe mode with the local loader (skip with
//      --no-jsonld): every term must be defined by the document's contexts.
//   2. If the document is a VerifiableCredential and --proof-only is not
//      given: @digitalbazaar/vc verifyCredential (VC data model checks,
//      validFrom/validUntil against --now or the current time, then the
//      proof). Otherwise jsonld-signatures verify (proof only).
// The proof is checked with DataIntegrityProof + eddsa-jcs-2022 and a
// controller proof purpose (default assertionMethod; --purpose authentication
// for signed requests). The verification method's controller document is the
// did:key document, resolved locally. The issuer is NOT required to be the
// key's controller (the W3C test vector's issuer is an https URL).
// credentialStatus is not checked here (the harness has no network).
import {readFileSync} from 'node:fs';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite} from
  '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import jsonld from 'jsonld';
import {documentLoader} from './loader.mjs';

const {purposes: {AssertionProofPurpose, ControllerProofPurpose}} = jsigs;

const USAGE = 'usage: node verify.mjs [--now ISO-DATETIME] [--purpose TERM] ' +
  '[--proof-only] [--no-jsonld] SIGNED.json';

function usage(msg) {
  if(msg) {
    process.stderr.write(`verify.mjs: ${msg}\n`);
  }
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

// event codes that jsonld.js safe mode turns into errors
// (jsonld/lib/events.js, _notSafeEventCodes; the expansion ones)
const NOT_SAFE_EVENT_CODES = new Set([
  'empty object', 'free-floating scalar', 'invalid @language value',
  'invalid property', 'null @id value', 'null @value value',
  'object with only @id', 'object with only @language',
  'object with only @list', 'object with only @value',
  'relative @id reference', 'relative @type reference',
  'relative @vocab reference', 'reserved @id value',
  'reserved @reverse value', 'reserved term'
]);

function fail(stage, errors, extra = {}) {
  const list = (Array.isArray(errors) ? errors : [errors])
    .filter(e => e !== undefined && e !== null)
    .map(e => ({
      name: e.name || 'Error',
      message: e.message || String(e),
      ...(e.details ? {details: e.details} : {})
    }));
  // nested Error objects (e.g. details.cause) would serialize as {}
  const replacer = (k, v) => v instanceof Error ?
    {name: v.name, message: v.message, ...(v.details ?
      {details: v.details} : {})} : v;
  process.stdout.write(JSON.stringify(
    {verified: false, stage, ...extra, errors: list}, replacer) + '\n');
  process.exit(1);
}

// errors from a jsonld-signatures / vc result, deduplicated
function collectErrors(result) {
  const out = [];
  const add = e => {
    if(!e) {
      return;
    }
    for(const x of Array.isArray(e) ? e : [e]) {
      if(x && !out.includes(x)) {
        out.push(x);
      }
    }
  };
  add(result?.error);
  for(const r of result?.results || []) {
    add(r.error);
    const pr = r.purposeResult;
    for(const p of Array.isArray(pr) ? pr : [pr]) {
      add(p?.error);
    }
  }
  if(out.length === 0) {
    out.push(new Error('not verified (no error reported by the library)'));
  }
  return out;
}

// --- arguments ---
const args = process.argv.slice(2);
let now;
let term = 'assertionMethod';
let proofOnly = false;
let checkJsonLd = true;
const positional = [];
for(let i = 0; i < args.length; i++) {
  const a = args[i];
  if(a === '--now') {
    now = args[++i];
    if(!now || isNaN(new Date(now))) {
      usage('--now needs an ISO 8601 date-time');
    }
  } else if(a === '--purpose') {
    term = args[++i];
    if(!term) {
      usage('--purpose needs a term such as assertionMethod');
    }
  } else if(a === '--proof-only') {
    proofOnly = true;
  } else if(a === '--no-jsonld') {
    checkJsonLd = false;
  } else if(a === '-h' || a === '--help') {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  } else if(a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    positional.push(a);
  }
}
if(positional.length !== 1) {
  usage('expected exactly one file');
}

let text;
try {
  text = readFileSync(positional[0], 'utf8');
} catch(e) {
  usage(`cannot read ${positional[0]}: ${e.message}`);
}

// --- verification ---
let document;
try {
  document = JSON.parse(text);
} catch(e) {
  fail('json', e);
}
if(!document || typeof document !== 'object' || Array.isArray(document)) {
  fail('json', new Error('the document must be a JSON object'));
}

if(checkJsonLd) {
  // the checks of jsonld.js "safe mode" (undefined terms, relative IRIs and
  // other constructs that expansion would silently drop), but all of them
  // are collected instead of stopping at the first one
  const events = [];
  const eventHandler = ({event, next}) => {
    if(event.level === 'warning' && NOT_SAFE_EVENT_CODES.has(event.code)) {
      events.push(event);
    }
    next();
  };
  try {
    await jsonld.expand(structuredClone(document),
      {documentLoader, safe: false, eventHandler});
  } catch(e) {
    // hard JSON-LD errors, e.g. a protected term redefinition
    fail('jsonld', e);
  }
  if(events.length > 0) {
    const undefinedTerms = [...new Set(events
      .filter(e => e.code === 'invalid property')
      .map(e => e.details?.property))];
    fail('jsonld', events.map(event => ({
      name: 'jsonld.ValidationError',
      message: `${event.code}: ${event.message}`,
      details: event.details
    })), {undefinedTerms});
  }
}

const suite = new DataIntegrityProof({
  cryptosuite: createVerifyCryptosuite()
});
const purpose = term === 'assertionMethod' ?
  new AssertionProofPurpose() : new ControllerProofPurpose({term});

const types = [].concat(document.type ?? []);
let result;
let stage;
try {
  if(types.includes('VerifiableCredential') && !proofOnly) {
    stage = 'vc';
    result = await vc.verifyCredential({
      credential: document,
      suite,
      purpose,
      documentLoader,
      ...(now ? {now} : {}),
      // status is out of scope for this harness (no network)
      checkStatus: async () => ({verified: true})
    });
  } else {
    stage = 'proof';
    result = await jsigs.verify(document, {suite, purpose, documentLoader});
  }
} catch(e) {
  fail(stage, e);
}

if(result?.verified === true) {
  process.stdout.write(JSON.stringify({verified: true}) + '\n');
  process.exit(0);
}
fail(stage, collectErrors(result));
