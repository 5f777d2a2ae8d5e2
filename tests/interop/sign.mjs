#!/usr/bin/env node
// Sign a JSON-LD document with an eddsa-jcs-2022 Data Integrity proof using
// Digital Bazaar's stack, and print the signed document on stdout.
//
//   node sign.mjs [--created ISO] [--purpose TERM]
//                 SECRET_KEY_MULTIBASE PUBLIC_KEY_MULTIBASE UNSIGNED.json
//
// Keys are Multikey multibase strings: secret "z3u2..." (0x8026 + 32-byte
// seed), public "z6Mk..." (0xed01 + 32 bytes). verificationMethod is
// did:key:<pub>#<pub>; proofPurpose is assertionMethod unless --purpose is
// given (e.g. authentication). --created fixes proof.created (default: now,
// second precision); pass it to get byte-reproducible output, since Ed25519
// signatures are deterministic.
//
// exit 0 signed document on stdout; exit 2 bad usage, bad key, unreadable or
// unsignable input (message on stderr).
import {readFileSync} from 'node:fs';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import {documentLoader} from './loader.mjs';

const {purposes: {AssertionProofPurpose, ControllerProofPurpose}} = jsigs;

const USAGE = 'usage: node sign.mjs [--created ISO-DATETIME] [--purpose TERM] ' +
  'SECRET_KEY_MULTIBASE PUBLIC_KEY_MULTIBASE UNSIGNED.json';

function usage(msg) {
  if(msg) {
    process.stderr.write(`sign.mjs: ${msg}\n`);
  }
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

const args = process.argv.slice(2);
let created;
let term = 'assertionMethod';
const positional = [];
for(let i = 0; i < args.length; i++) {
  const a = args[i];
  if(a === '--created') {
    created = args[++i];
    if(!created || isNaN(new Date(created))) {
      usage('--created needs an ISO 8601 date-time');
    }
  } else if(a === '--purpose') {
    term = args[++i];
    if(!term) {
      usage('--purpose needs a term such as assertionMethod');
    }
  } else if(a === '-h' || a === '--help') {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  } else if(a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    positional.push(a);
  }
}
if(positional.length !== 3) {
  usage('expected SECRET_KEY_MULTIBASE PUBLIC_KEY_MULTIBASE UNSIGNED.json');
}
const [secretKeyMultibase, publicKeyMultibase, file] = positional;
if(!/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(publicKeyMultibase)) {
  usage('public key must be an Ed25519 Multikey "z6Mk..."');
}
if(!/^z3u2[1-9A-HJ-NP-Za-km-z]+$/.test(secretKeyMultibase)) {
  usage('secret key must be an Ed25519 Multikey "z3u2..."');
}

let document;
try {
  document = JSON.parse(readFileSync(file, 'utf8'));
} catch(e) {
  usage(`cannot read JSON from ${file}: ${e.message}`);
}
if(!document || typeof document !== 'object' || Array.isArray(document)) {
  usage('the document must be a JSON object');
}

const controller = `did:key:${publicKeyMultibase}`;
let keyPair;
try {
  keyPair = await Ed25519Multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: `${controller}#${publicKeyMultibase}`,
    controller,
    publicKeyMultibase,
    secretKeyMultibase
  });
  // the library does not check that the two halves belong together
  const probe = new TextEncoder().encode('scs interop key pair check');
  const signature = await keyPair.signer().sign({data: probe});
  if(!await keyPair.verifier().verify({data: probe, signature})) {
    throw new Error('the secret key does not match the public key');
  }
} catch(e) {
  usage(`bad key pair: ${e.message}`);
}

const suite = new DataIntegrityProof({
  signer: keyPair.signer(),
  cryptosuite: createSignCryptosuite(),
  ...(created ? {date: created} : {})
});
const purpose = term === 'assertionMethod' ?
  new AssertionProofPurpose() : new ControllerProofPurpose({term});

const types = [].concat(document.type ?? []);
let signed;
try {
  if(types.includes('VerifiableCredential')) {
    // vc.issue also runs the library's VC data model checks
    signed = await vc.issue({credential: document, suite, purpose,
      documentLoader});
  } else {
    signed = await jsigs.sign(document, {suite, purpose, documentLoader});
  }
} catch(e) {
  usage(`signing failed: ${e.message}`);
}
process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
