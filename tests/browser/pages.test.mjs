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

// axe-core (npm), evaluated in the page through the DevTools protocol: the page's CSP, which
// allows only the registry's own script, stays as it is.
const axeSource = readFileSync(path.join(root, 'tests/browser/node_modules/axe-core/axe.min.js'), 'utf8');

// Fails on any WCAG 2.x A/AA violation in the page as it is now.
async function assertAccessible(page, name) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `${name}: WCAG A/AA violations`);
}

// A screenshot for people to look at, after axe-core has checked the page state.
async function shot(page, name) {
  await assertAccessible(page, name);
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

// The id of a demo credential `scs serve --demo` wrote to its data folder.
function demoCredentialId(file) {
  return JSON.parse(readFileSync(path.join(work, 'data/demo', file), 'utf8')).id;
}

const widths = [1280, 390];

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
  // Issue 15: each designated body's contact and site, as links, on a page axe-core passes.
  await page.getByRole('link', { name: 'scs-desk@eval.demo.example.jp' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'eval.demo.example.jp', exact: true }).getAttribute('href'), 'https://eval.demo.example.jp/');
  await shot(page, '12-issuers-contact');
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


test('a revoked credential: the verdict says why, the certificate carries 取消, at 1280 and 390 px, ja and en', async () => {
  const id = demoCredentialId('revoked.json');
  const page = await context.newPage();
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['ja', 'en']) {
      await page.emulateMedia({ media: 'screen' });
      await page.goto(`${base}/credentials/${id}${lang === 'en' ? '?lang=en' : ''}`);
      const line = await page.locator('.verdict-word').innerText();
      if (lang === 'ja') assert.match(line, /^✗ 無効 — 取消（\d{4}年\d{1,2}月\d{1,2}日・不正）$/);
      else assert.match(line, /^✗ Invalid — revoked \(\d{1,2} [A-Z][a-z]{2} \d{4}, fraud\)$/);
      assert.equal(await page.locator('.verdict-facts .star.greyed').count(), 1, 'the ★ badge is greyed');
      assert.equal(await page.locator('.state.ok').count(), 0, 'no green status under the failed verdict');
      assert.match(await page.locator('.cert-mark').innerText(), /取消\s*REVOKED/);
      assert.match(await page.locator('.certificate').innerText(), /状態確認日時/);
      assert.match(await page.locator('.certificate').innerText(), /令和\d+年/);
      const print = page.locator('[data-print]');
      assert.match(await print.innerText(), lang === 'ja' ? /「取消」の表示付きで印刷する/ : /Print with the REVOKED mark/);
      // The mark stays inside the certificate's frame.
      const frame = await page.locator('.certificate').boundingBox();
      const mark = await page.locator('.cert-mark').boundingBox();
      assert.ok(mark.x >= frame.x && mark.x + mark.width <= frame.x + frame.width + 1, `${width}px: the mark fits`);
      await shot(page, `13-credential-revoked-${lang}-${width}`);
    }
  }
  // Printed to PDF (Chromium): the text of the page says 取消 and when the status was checked.
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/credentials/${id}`);
  await page.emulateMedia({ media: 'print' });
  await shot(page, '14-certificate-revoked-print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pdfPath = path.join(artifacts, 'certificate-revoked.pdf');
  writeFileSync(pdfPath, pdf);
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, 'the revoked certificate, with its mark, prints on one A4 page');
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdfPath, '-'], { encoding: 'utf8' });
  assert.match(text, /取消/);
  assert.match(text, /REVOKED/);
  assert.match(text, /状態確認日時/);
  assert.match(text, /日本時間/);
  // A long address wraps on paper: compared without the line breaks.
  assert.ok(text.replace(/\s+/g, '').includes(`/credentials/${id}`), 'the address to check it live');
  await page.close();
});

test('the verify page: a credential of another company says so first, at 1280 and 390 px, ja and en', async () => {
  const page = await context.newPage();
  const file = path.join(work, 'data/demo/valid-star4.json');
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['ja', 'en']) {
      await page.goto(`${base}/${lang === 'en' ? '?lang=en' : ''}`);
      await page.setInputFiles('#file', file);
      await page.locator('details summary').first().click();
      // The revoked demo company's 法人番号: the credential is another company's.
      await page.locator('#number').fill('2001001031676');
      await page.getByRole('button', { name: lang === 'ja' ? '検証する' : 'Verify', exact: true }).click();
      const verdict = page.locator('.verdict-word');
      await verdict.waitFor();
      assert.equal(await verdict.innerText(), lang === 'ja' ? '✗ 別の会社の証明書です' : '✗ Issued to another company');
      assert.equal(await page.locator('.verdict-facts .star.greyed').count(), 1);
      assert.equal(await page.locator('.state.ok').count(), 0, 'no green 有効 under the failed verdict');
      const first = page.locator('#checks-h + ul.checks li').first();
      assert.equal(await first.getAttribute('class'), 'fail');
      assert.match(await first.innerText(), lang === 'ja' ? /対象企業/ : /Subject/);
      await shot(page, `15-verify-other-company-${lang}-${width}`);
    }
  }
  await page.close();
});

test('the verify page takes the certificate printed to PDF and its printed URL, at 1280 and 390 px, ja and en', async () => {
  const id = demoCredentialId('valid-star4.json');
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/credentials/${id}`);
  // The address the certificate prints for checking it live (the registry's public URL).
  const printedUrl = (await page.locator('.certificate .url').innerText()).trim();
  assert.ok(printedUrl.endsWith(`/credentials/${id}`), printedUrl);
  await page.emulateMedia({ media: 'print' });
  const pdfPath = path.join(artifacts, 'certificate-to-verify.pdf');
  writeFileSync(pdfPath, await page.pdf({ format: 'A4', printBackground: true }));
  await page.emulateMedia({ media: 'screen' });
  const verify = async (lang) => {
    await page.getByRole('button', { name: lang === 'ja' ? '検証する' : 'Verify', exact: true }).click();
    const verdict = page.locator('.verdict-word');
    await verdict.waitFor();
    assert.match(await verdict.innerText(), lang === 'ja' ? /^✓ 有効/ : /^✓ Valid/);
    assert.match(await page.locator('.verdict-facts').innerText(), /株式会社さくら精機|Sakura Seiki/);
    return (await page.locator('.verdict-form').innerText()).trim();
  };
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['ja', 'en']) {
      const home = `${base}/${lang === 'en' ? '?lang=en' : ''}`;
      await page.goto(home);
      await page.setInputFiles('#file', pdfPath);
      assert.match(await verify(lang), /PDF$/);
      await shot(page, `16-verify-printed-pdf-${lang}-${width}`);
      await page.goto(home);
      await page.locator('#text').fill(printedUrl);
      assert.match(await verify(lang), /URL$/);
      await shot(page, `17-verify-pasted-url-${lang}-${width}`);
      // Another site's address: refused with a plain reason, never fetched.
      await page.goto(home);
      await page.locator('#text').fill(`https://registry.example/credentials/${id}`);
      await page.getByRole('button', { name: lang === 'ja' ? '検証する' : 'Verify', exact: true }).click();
      const refusal = page.locator('#result[role=alert]');
      await refusal.waitFor();
      assert.match(await refusal.innerText(), lang === 'ja' ? /ほかのサイトのURLは開きません/ : /other sites' URLs are never opened/);
      await shot(page, `18-verify-foreign-url-${lang}-${width}`);
    }
  }
  await page.close();
});

// Nothing on the page scrolls sideways, and no 法人番号 (13 digits) breaks across lines: each
// run of 13 digits lies on one line box.
async function assertFitsAndNumbersWhole(page, name) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(scrollWidth <= innerWidth, `${name}: scrolls sideways (${scrollWidth} > ${innerWidth})`);
  const broken = await page.evaluate(() => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.checkVisibility()) continue;
      for (const match of node.data.matchAll(/(?<!\d)\d{13}(?!\d)/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + 13);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) found.push(match[0]);
      }
    }
    return found;
  });
  assert.deepEqual(broken, [], `${name}: a 法人番号 breaks across lines`);
  return scrollWidth;
}

// Every page a person reaches, as they see it: its name and how to get there in `lang`.
function everyPage(lang) {
  const q = lang === 'en' ? '?lang=en' : '';
  const and = lang === 'en' ? '&lang=en' : '';
  const submit = (page, label) => page.getByRole('button', { name: label, exact: true }).click();
  return [
    ['home', (page) => page.goto(`${base}/${q}`)],
    // A search that finds companies (a legal form alone, 株式会社, finds none since names fold).
    ['search', async (page) => {
      await page.goto(`${base}/organizations?name=${encodeURIComponent('さくら')}${and}`);
      assert.ok((await page.locator('ul.found li').count()) > 0, 'the search finds さくら');
    }],
    // Hokuto: a revoked ★4; Shirakaba: suspended and reinstated; Yamabiko: renewed.
    ['organization-revoked', (page) => page.goto(`${base}/organizations/2001001031676${q}`)],
    ['organization-reinstated', (page) => page.goto(`${base}/organizations/${demoNumbers.reinstated}${q}`)],
    ['organization-renewed', (page) => page.goto(`${base}/organizations/${demoNumbers.renewed}${q}`)],
    ['credential', (page) => page.goto(`${base}/credentials/${demoCredentialId('valid-star4.json')}${q}`)],
    ['credential-revoked', (page) => page.goto(`${base}/credentials/${demoCredentialId('revoked.json')}${q}`)],
    ['verify-result', async (page) => {
      await page.goto(`${base}/${q}`);
      await page.setInputFiles('#file', path.join(work, 'data/demo/valid-star4.json'));
      await submit(page, lang === 'ja' ? '検証する' : 'Verify');
      await page.locator('.verdict-word').waitFor();
    }],
    ['bulk-result', async (page) => {
      await page.goto(`${base}/bulk${q}`);
      const csv = `取引先コード,取引先名,法人番号,求める★\nA-001,株式会社さくら精機,6001001000000,4\nA-002,北斗製作所,2001001031676,4\nA-003,打ち間違い,7001001000000,3\nA-004,長い誤り,${'1234567890'.repeat(6)},3\n`;
      await page.setInputFiles('#file', { name: 'suppliers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await submit(page, lang === 'ja' ? '確認する' : 'Check');
      await page.locator('table.results').waitFor();
    }],
    ['ledger', (page) => page.goto(`${base}/ledger${q}`)],
    ['ledger-older', async (page) => {
      await page.goto(`${base}/ledger${q}`);
      await page.locator('a[rel=next]').click();
      await page.locator('a[rel=prev]').waitFor();
    }],
    ['issuers', (page) => page.goto(`${base}/issuers${q}`)],
  ];
}

// The demo 法人番号 of the companies whose stories the phone test looks at, read from the search.
const demoNumbers = {};

test('every page at 1280 and 390 px, ja and en: nothing scrolls sideways, 法人番号 whole, tables as cards on phones', async () => {
  const page = await context.newPage();
  for (const [story, name] of [['reinstated', 'しらかば印刷'], ['renewed', 'やまびこ金属']]) {
    await page.goto(`${base}/organizations?name=${encodeURIComponent(name)}`);
    const href = await page.locator('main a[href^="/organizations/"]').first().getAttribute('href');
    demoNumbers[story] = href.replace('/organizations/', '');
    assert.match(demoNumbers[story], /^\d{13}$/);
  }
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['ja', 'en']) {
      for (const [name, open] of everyPage(lang)) {
        await open(page);
        const label = `${name} ${lang} ${width}px`;
        await assertFitsAndNumbersWhole(page, label);
        // On a phone every table cell is shown, under its column's title.
        for (const table of await page.locator('table.cards').all()) {
          for (const cell of await table.locator('tbody td').all()) {
            if (!(await cell.isVisible())) continue;
            const box = await cell.boundingBox();
            assert.ok(box.x >= 0 && box.x + box.width <= width, `${label}: a cell outside the screen`);
            if (width < 640) {
              const before = await cell.evaluate((td) => getComputedStyle(td, '::before').content);
              assert.equal(before, JSON.stringify(await cell.getAttribute('data-label')), `${label}: the cell's title`);
            }
          }
        }
        await shot(page, `19-${name}-${lang}-${width}`);
      }
    }
  }
  await page.close();
});

test('search as people type: ｻｸﾗ and ほくと find their companies with ★, state and issuer, at 1280 and 390 px, ja and en', async () => {
  const page = await context.newPage();
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of ['ja', 'en']) {
      for (const [typed, company, state, greyed] of [
        ['ｻｸﾗ', '株式会社さくら精機', lang === 'ja' ? '有効' : 'Active', 0],
        ['ほくと', '株式会社北斗製作所', lang === 'ja' ? '取消' : 'Revoked', 1],
      ]) {
        await page.goto(`${base}/organizations${lang === 'en' ? '?lang=en' : ''}`);
        await page.getByLabel(lang === 'ja' ? '会社名（一部でも可）' : 'Company name (part of it is enough)').fill(typed);
        await page.getByRole('button', { name: lang === 'ja' ? '検索する' : 'Search', exact: true }).click();
        await page.locator('#results-h').waitFor();
        const row = page.locator('.found li').filter({ hasText: company });
        assert.equal(await row.count(), 1, `${typed} finds ${company}`);
        const text = await row.innerText();
        assert.match(text, /★4/);
        assert.match(text, new RegExp(state));
        assert.match(text, lang === 'ja' ? /発行 \S/ : /issued by \S/);
        assert.equal(await row.locator('.star.greyed').count(), greyed, 'the ★ is greyed unless it is valid now');
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
        assert.equal(sideways, false, `${width}px: nothing scrolls sideways`);
        await shot(page, `20-search-${typed === 'ｻｸﾗ' ? 'sakura' : 'hokuto'}-${lang}-${width}`);
      }
    }
  }
  // A 法人番号 typed with hyphens: the as-you-type check reads it as the server does.
  await page.goto(`${base}/organizations`);
  await page.getByLabel('法人番号（13桁）').pressSequentially('6-0010-0100-0000');
  await page.waitForFunction(() => document.querySelector('#number-msg').textContent.includes('正しい形'));
  await page.getByLabel('法人番号（13桁）').press('Enter');
  await page.waitForURL(/\/organizations\/6001001000000$/);
  // …and in the name box it goes to the company too.
  await page.goto(`${base}/organizations`);
  await page.getByLabel('会社名（一部でも可）').fill('6-0010-0100-0000');
  await page.getByRole('button', { name: '検索する' }).click();
  await page.waitForURL(/\/organizations\/6001001000000$/);
  assert.match(await page.locator('h1').innerText(), /株式会社さくら精機/);
  await page.close();
});
