// The registry's web pages in a real browser: Debian's headless Chromium driven by playwright-core,
// against `scs serve --demo` on a free port. Screenshots (and the certificate as PDF) are saved to
// target/browser-artifacts/ for people to look at.
//
// Needs: the `scs` binary (SCS_BIN, default target/debug/scs — scripts/test.sh builds it) and
// /usr/bin/chromium (scripts/test.sh installs it when missing).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SCS_BIN ?? path.join(root, 'target/debug/scs');
const artifacts = path.join(root, 'target/browser-artifacts');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

let server;
let base;
let work;
let context;
let qrPng;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, child, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`scs serve exited with ${child.exitCode}`);
    try {
      const answer = await fetch(`${url}/v1/health`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`scs serve did not answer within ${seconds} s`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

before(async () => {
  assert.ok(existsSync(bin), `build the scs binary first (${bin})`);
  assert.ok(existsSync(chromiumPath), `install chromium (${chromiumPath})`);
  mkdirSync(artifacts, { recursive: true });
  work = mkdtempSync(path.join(tmpdir(), 'scs-browser-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The demo keys are found relative to the working directory, as in the README.
  server = spawn(bin, ['serve', '--demo', '--data', path.join(work, 'data'), '--listen', `127.0.0.1:${port}`], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  await waitForHealth(base, server, 120);
  // The QR image a supplier would hand over, drawn by `scs qr` from a demo credential.
  qrPng = path.join(work, 'valid-star4.png');
  execFileSync(bin, ['qr', path.join(work, 'data/demo/valid-star4.json'), '--key', 'keys/demo/issuer-star4.key', '--out', qrPng], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
});

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test('upload a demo QR image: ✓ 有効 with ★4', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await page.setInputFiles('#file', qrPng);
  await page.getByRole('button', { name: '検証する' }).click();
  const verdict = page.locator('.verdict-word');
  await verdict.waitFor();
  assert.match(await verdict.innerText(), /✓ 有効/);
  assert.match(await page.locator('.verdict-facts .star').innerText(), /★4/);
  assert.match(await page.locator('.verdict-form').innerText(), /QR/);
  assert.match(await page.locator('.checks').innerText(), /署名/);
  await shot(page, '01-verify-qr-valid');
  // The verdict leads to the printable certificate, which carries the issuer's signed QR code.
  await page.getByRole('link', { name: '証明書ページ・印刷' }).click();
  await page.locator('.certificate').waitFor();
  assert.match(await page.locator('.certificate').innerText(), /発行者の署名付き/);
  assert.equal(await page.locator('.certificate svg').count(), 1);
  await shot(page, '02-credential-page');
  await page.emulateMedia({ media: 'print' });
  await shot(page, '03-certificate-print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(path.join(artifacts, 'certificate.pdf'), pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, 'the certificate prints on one A4 page');
  await page.close();
});

test('look up a revoked demo company by name: the revocation and its reason', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/organizations`);
  await page.getByLabel('会社名（一部でも可）').fill('北斗');
  await page.getByRole('button', { name: '検索する' }).click();
  await page.getByRole('link', { name: '株式会社北斗製作所' }).click();
  await page.locator('h1').waitFor();
  assert.match(await page.locator('h1').innerText(), /株式会社北斗製作所/);
  const text = await page.locator('main').innerText();
  assert.match(text, /現在有効な★はありません/);
  assert.match(text, /取消/);
  assert.match(text, /理由: 不正/);
  assert.match(await page.locator('.timeline').innerText(), /取消.*不正/);
  await shot(page, '04-organization-revoked');
  await page.close();
});

test('a 法人番号 with a wrong check digit gets a message as it is typed', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/organizations`);
  const field = page.getByLabel('法人番号（13桁）');
  // 6001001000000 is a demo company; 7001001000000 has the wrong check digit.
  await field.pressSequentially('7001001000000');
  const message = page.locator('#number-msg');
  await page.waitForFunction(() => document.querySelector('#number-msg').textContent.includes('チェックデジット'));
  assert.match(await message.innerText(), /チェックデジット（先頭の1桁）が合いません/);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await shot(page, '05-check-digit-message');
  await field.fill('');
  await field.pressSequentially('6001001000000');
  await page.waitForFunction(() => document.querySelector('#number-msg').textContent.includes('正しい形'));
  await field.press('Enter');
  await page.waitForURL(/\/organizations\/6001001000000$/);
  assert.match(await page.locator('.verdict-facts .star').innerText(), /★4/);
  await page.close();
});

test('switch to English and back', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  // Keyboard first: the first Tab reaches the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/lang=en/);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('h1').innerText(), /Verify a ★ credential/);
  await shot(page, '06-verify-english');
  await page.getByRole('link', { name: 'Trust list', exact: true }).click();
  assert.match(await page.locator('main').innerText(), /Demo Evaluation Body/);
  await shot(page, '07-issuers-english');
  await page.getByRole('link', { name: 'Ledger', exact: true }).click();
  assert.match(await page.locator('main').innerText(), /scs log audit --registry/);
  await shot(page, '08-ledger-english');
  await page.getByRole('link', { name: '日本語' }).click();
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await page.close();
});

test('bulk-check a supplier CSV, with broken rows, and download the results', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/bulk?lang=en`);
  const csv = [
    'corporateNumber,required level,memo',
    '6001001000000,4,Sakura (valid ★4)',
    '9001001015838,4,Aoba (★3 only)',
    '2001001031676,,Hokuto (revoked)',
    '7001001000000,3,typo in the number',
    '<img src=x onerror="window.__scsInjected=1">,3,not a number',
  ].join('\n');
  await page.setInputFiles('#file', { name: 'suppliers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('table.results').waitFor();
  const rows = page.locator('table.results tbody tr');
  assert.equal(await rows.count(), 5);
  assert.match(await rows.nth(0).innerText(), /meets/);
  assert.match(await rows.nth(1).innerText(), /★ too low/);
  assert.match(await rows.nth(2).innerText(), /revoked/);
  assert.match(await rows.nth(0).innerText(), /Sakura \(valid ★4\)/, 'the user\'s own column is kept');
  assert.match(await page.locator('.notice').innerText(), /2 rows could not be read/);
  assert.equal(await page.evaluate(() => window.__scsInjected ?? null), null);
  await shot(page, '09-bulk-results');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download as CSV' }).click(),
  ]);
  const saved = path.join(artifacts, 'bulk-results.csv');
  await download.saveAs(saved);
  const bytes = readFileSync(saved);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so that spreadsheets read UTF-8');
  const lines = bytes.toString('utf8').slice(1).trim().split(/\r?\n/);
  assert.match(lines[0], /^line,corporateNumber,memo,requiredLevel,category/);
  assert.equal(lines.length, 6);
  // Only the problems, without JavaScript's help: the checkbox and the button of the same form.
  await page.getByLabel('Only the rows with problems', { exact: true }).check();
  await page.getByRole('button', { name: 'Update the table' }).click();
  await page.locator('table.results').waitFor();
  assert.equal(await page.locator('table.results tbody tr').count(), 4);
  await page.close();
});

test('bad input: a huge upload and a pasted script get a message; nothing runs', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.setInputFiles('#file', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(20 * 1024 * 1024, 7) });
  await page.getByRole('button', { name: '検証する' }).click();
  await page.locator('[role=alert]').waitFor();
  assert.match(await page.locator('[role=alert]').innerText(), /ファイルが大きすぎます/);
  await shot(page, '10-huge-upload');
  const pasted = '<script>window.__scsInjected=1</script><img src=x onerror="window.__scsInjected=2">';
  await page.locator('#text').fill(pasted);
  await page.getByRole('button', { name: '検証する' }).click();
  await page.locator('[role=alert]').waitFor();
  assert.match(await page.locator('[role=alert]').innerText(), /SCS1:/);
  assert.equal(await page.locator('#text').inputValue(), pasted, 'shown back as text');
  assert.equal(await page.evaluate(() => window.__scsInjected ?? null), null);
  await shot(page, '11-pasted-script');
  await page.close();
});

test('the API reference: from the footer, every endpoint, in English and Japanese', async () => {
  const page = await context.newPage();
  await page.goto(`${base}/issuers?lang=en`);
  await page.getByRole('contentinfo').getByRole('link', { name: 'API', exact: true }).click();
  await page.waitForURL(/\/api\?lang=en$/);
  assert.match(await page.locator('h1').innerText(), /API reference/);
  const main = await page.locator('main').innerText();
  assert.match(main, /GET \/v1\/credentials\/\{id\}/);
  assert.match(main, /application\/problem\+json/);
  await shot(page, '12-api-reference');
  await page.getByRole('link', { name: '日本語' }).click();
  assert.match(await page.locator('h1').innerText(), /API リファレンス/);
  await page.close();
});
