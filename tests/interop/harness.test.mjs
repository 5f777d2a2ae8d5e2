// Self-test of the harness against the W3C vc-di-eddsa vectors and the
// independent status-list vector: node --test tests/interop/harness.test.mjs
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const vectors = fileURLToPath(new URL('../vectors/', import.meta.url));
const jcs = join(vectors, 'eddsa-jcs-2022');
const keyPair = JSON.parse(readFileSync(join(jcs, 'keyPair.json'), 'utf8'));
const SK = keyPair.privateKeyMultibase;
const PK = keyPair.publicKeyMultibase;
const tmp = mkdtempSync(join(tmpdir(), 'scs-interop-'));

function run(script, ...args) {
  const r = spawnSync(process.execPath, [join(dir, script), ...args],
    {encoding: 'utf8'});
  return {code: r.status, out: r.stdout, err: r.stderr};
}
function write(name, value) {
  const p = join(tmp, name);
  writeFileSync(p, typeof value === 'string' ? value :
    JSON.stringify(value, null, 2));
  return p;
}
function verifies(file, ...opts) {
  const r = run('verify.mjs', ...opts, file);
  return r;
}
const signedText = readFileSync(join(jcs, 'signedJCS.json'), 'utf8');
const signed = JSON.parse(signedText);

test('W3C vector signedJCS.json verifies', () => {
  const r = verifies(join(jcs, 'signedJCS.json'));
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(JSON.parse(r.out), {verified: true});
});

test('re-signing the vector reproduces signedJCS.json exactly', () => {
  const out = execFileSync(process.execPath, [join(dir, 'sign.mjs'),
    '--created', signed.proof.created, SK, PK, join(jcs, 'unsigned.json')],
  {encoding: 'utf8'});
  assert.deepEqual(JSON.parse(out), signed);
  const r = verifies(write('resigned.json', out));
  assert.equal(r.code, 0, r.out + r.err);
});

test('signing with the current time verifies', () => {
  const r = run('sign.mjs', SK, PK, join(jcs, 'unsigned.json'));
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out);
  assert.equal(doc.proof.cryptosuite, 'eddsa-jcs-2022');
  assert.equal(doc.proof.verificationMethod, `did:key:${PK}#${PK}`);
  assert.equal(doc.proof.proofPurpose, 'assertionMethod');
  assert.equal(verifies(write('now.json', r.out)).code, 0);
});

test('independent status list vector verifies', () => {
  const r = verifies(join(vectors, 'status-list',
    'bitstring-131072-bit42-set.json'));
  assert.equal(r.code, 0, r.out + r.err);
});

const tampers = {
  'claim value': d => {
    d.credentialSubject.alumniOf += '.';
  },
  'proofValue': d => {
    const v = d.proof.proofValue;
    d.proof.proofValue = v.slice(0, 10) + (v[10] === 'A' ? 'B' : 'A') +
      v.slice(11);
  },
  'proof created': d => {
    d.proof.created = '2023-02-24T23:36:39Z';
  },
  'validFrom': d => {
    d.validFrom = '2023-01-02T00:00:00Z';
  },
  'other key': d => {
    const other = 'z6MkjPWoerco29RKQhSrdD6BMNeqkWiw3sTafz5YeyDzry67';
    d.proof.verificationMethod = `did:key:${other}#${other}`;
  },
  'proof @context not a prefix of the document @context': d => {
    d['@context'] = [...d['@context']].reverse();
  },
  'added property': d => {
    d.credentialSubject.extra = 'x';
  },
  'proofPurpose': d => {
    d.proof.proofPurpose = 'authentication';
  },
  'cryptosuite': d => {
    d.proof.cryptosuite = 'eddsa-rdfc-2022';
  }
};
for(const [name, change] of Object.entries(tampers)) {
  test(`tampered (${name}) is rejected with exit 1`, () => {
    const d = structuredClone(signed);
    change(d);
    const r = verifies(write('tampered.json', d));
    assert.equal(r.code, 1, r.out + r.err);
    assert.equal(JSON.parse(r.out).verified, false);
  });
}

test('one changed character is rejected', () => {
  const i = signedText.indexOf('The School of Examples') + 4;
  const text = signedText.slice(0, i) + 's' + signedText.slice(i + 1);
  assert.notEqual(text, signedText);
  assert.equal(verifies(write('onechar.json', text)).code, 1);
});

test('unknown context URL is refused, not fetched', () => {
  const d = structuredClone(signed);
  d['@context'] = [...d['@context'], 'https://example.com/ctx/v1'];
  const r = verifies(write('unknown-ctx.json', d));
  assert.equal(r.code, 1);
  assert.match(r.out, /refuses URL/);
});

test('not JSON is exit 1, usage errors are exit 2', () => {
  assert.equal(verifies(write('garbage.json', '{"a":')).code, 1);
  assert.equal(run('verify.mjs').code, 2);
  assert.equal(run('verify.mjs', join(tmp, 'missing.json')).code, 2);
  assert.equal(run('sign.mjs', SK, PK).code, 2);
  // secret key of another pair
  const r = run('sign.mjs', SK,
    'z6MkjPWoerco29RKQhSrdD6BMNeqkWiw3sTafz5YeyDzry67',
    join(jcs, 'unsigned.json'));
  assert.equal(r.code, 2);
  assert.match(r.err, /does not match/);
});

// A ★ attainment credential shaped like SPEC.md §3, with the project's
// contexts: every term must be defined (JSON-LD safe mode).
test('SPEC §3 credential with the SCS context signs and verifies', () => {
  const did = `did:key:${PK}`;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2',
      'https://w3id.org/scs/v1'],
    id: 'urn:uuid:2f1c7e4a-8d3b-4c1e-9a6f-0b5d2e7c9a11',
    type: ['VerifiableCredential', 'SCSAttainmentCredential'],
    issuer: {id: did, name: 'テスト評価機関'},
    validFrom: '2027-04-01T00:00:00Z',
    validUntil: '2030-03-31T23:59:59Z',
    credentialSubject: {
      type: 'SCSCertifiedOrganization',
      corporateNumber: '7000012050002',
      legalName: '株式会社テスト',
      legalNameEn: 'Test Co., Ltd.',
      scope: {type: 'Partial', description: '本社'},
      achievement: {
        level: 4,
        criteriaVersion: '2026-03-27',
        assessmentMethod: 'ThirdPartyEvaluation',
        assessedOn: '2027-03-15'
      }
    },
    credentialStatus: ['revocation', 'suspension'].map(purpose => ({
      id: `https://registry.example/v1/status/${purpose}/1#42`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: '42',
      statusListCredential: `https://registry.example/v1/status/${purpose}/1`
    }))
  };
  const s = run('sign.mjs', SK, PK, write('scs.json', credential));
  assert.equal(s.code, 0, s.err);
  const r = verifies(write('scs-signed.json', s.out),
    '--now', '2028-01-01T00:00:00Z');
  assert.equal(r.code, 0, r.out + r.err);
});
