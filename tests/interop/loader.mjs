// Local, offline JSON-LD document loader and did:key resolver shared by
// sign.mjs and verify.mjs. Nothing is ever fetched over the network: any URL
// not listed here is an error.
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import didContext from 'did-context';
import {driver as didKeyDriver} from '@digitalbazaar/did-method-key';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const here = p => fileURLToPath(new URL(p, import.meta.url));
const readJson = p => JSON.parse(readFileSync(here(p), 'utf8'));

export const SCS_CONTEXT_URL = 'https://w3id.org/scs/v1';
export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';
export const VC_EXAMPLES_V2_CONTEXT_URL =
  'https://www.w3.org/ns/credentials/examples/v2';

// URL -> context document
export const contexts = new Map();
// VC 1.1 / 2.0 base contexts (and undefined-terms/v2) from the npm package
for(const [url, doc] of credentialsContext.contexts) {
  contexts.set(url, doc);
}
// data integrity v1 / v2
for(const [url, doc] of dataIntegrityContext.contexts) {
  contexts.set(url, doc);
}
// multikey v1 (used by did:key documents / Multikey verification methods)
for(const [url, doc] of multikeyContext.contexts) {
  contexts.set(url, doc);
}
// DID core v1
for(const [url, doc] of didContext.contexts) {
  contexts.set(url, doc);
}
// VC examples v2: no npm package ships it; vendored copy (see README.md)
contexts.set(VC_EXAMPLES_V2_CONTEXT_URL,
  readJson('./contexts/credentials-examples-v2.jsonld'));
// the project's own context, read from the repo on every run;
// SCS_CONTEXT_FILE (absolute path) overrides it, e.g. to try a draft edit
contexts.set(SCS_CONTEXT_URL, process.env.SCS_CONTEXT_FILE ?
  JSON.parse(readFileSync(process.env.SCS_CONTEXT_FILE, 'utf8')) :
  readJson('../../crates/scs-core/context/scs-v1.jsonld'));

// did:key resolution, done locally from the key itself
const didKey = didKeyDriver();
didKey.use({
  multibaseMultikeyHeader: 'z6Mk',
  fromMultibase: Ed25519Multikey.from
});

export async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  if(typeof url === 'string' && url.startsWith('did:key:')) {
    const document = await didKey.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  throw new Error(
    `Document loader refuses URL "${url}": only bundled contexts and ` +
    'did:key are served (no network access).');
}
