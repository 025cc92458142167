#!/usr/bin/env node
// Browser tests of the board against the REAL `bulwark server`:
//   node tests/e2e/run.mjs --bulwark BIN --node-modules DIR --artifacts DIR [--source DIR] [--only NAME,...]
// Starts the server on a free loopback port with a fresh data directory and a
// first admin, uploads sample reports through the API, drives Debian's
// Chromium with playwright-core, saves screenshots into --artifacts, and stops
// the server by its PID. A loopback HTTP receiver plays the ticket system
// (Jira's create-issue endpoint) for the ticket scenario. Prints "N passed, N failed"; exits 77 (skip) when
// Chromium or playwright-core is missing.
import { spawn, execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync, mkdirSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sampleReports } from './samples.mjs';
import { scenarios } from './scenarios.mjs';
import { Api } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const bulwark = args.bulwark && path.resolve(args.bulwark);
const nodeModules = args['node-modules'] && path.resolve(args['node-modules']);
const artifacts = args.artifacts || path.resolve('e2e-artifacts');
const source = args.source || path.resolve(here, '../..');
const only = args.only ? args.only.split(',') : null;
const CHROMIUM = process.env.BULWARK_CHROMIUM || '/usr/bin/chromium';

if (!bulwark || !nodeModules) {
  console.error('usage: run.mjs --bulwark BIN --node-modules DIR --artifacts DIR');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(77);
}
let chromium;
try {
  chromium = createRequire(path.join(nodeModules, 'noop.js'))('playwright-core').chromium;
} catch (e) {
  console.log(`SKIP: playwright-core not found under ${nodeModules} (${e.message})`);
  process.exit(77);
}
// A fresh folder each run, so that no old failure shot is mistaken for this run's.
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

// ---------------------------------------------------------------- server --
function startServer(dataDir, password) {
  const child = spawn(bulwark, ['server', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--admin-password', password],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BULWARK_ADMIN_PASSWORD: '' } });
  const log = [];
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start in 60 s:\n' + log.join(''))); }, 60000);
    child.stderr.on('data', (d) => log.push(String(d)));
    child.stdout.on('data', (d) => {
      out += d; log.push(String(d));
      const url = out.match(/Bulwark board: (https?:\/\/[^\s/]+)\//);
      const admin = out.match(/First login: user ([^\s,]+)/);
      if (url && (admin || /\n/.test(out.slice(out.indexOf(url[0]) + url[0].length)))) {
        clearTimeout(timer);
        resolve({ child, url: url[1], admin: admin ? admin[1] : 'admin', log });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n` + log.join(''))); });
  });
}

async function stopServer(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => { if (child.exitCode === null) process.kill(child.pid, 'SIGKILL'); }, 10000);
  await exited;
  clearTimeout(t);
}

// ------------------------------------------------------ ticket receiver --
// A stand-in for Jira's create-issue endpoint on a loopback port: it keeps
// every request it gets (method, path, headers, parsed JSON body) and answers
// as Jira does, 201 {"id","key"}. The server's ticket webhook is pointed here.
function startTicketReceiver() {
  const received = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = JSON.parse(text); } catch { /* kept as text below */ }
      received.push({ method: req.method, path: req.url, headers: req.headers, text, body });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: '10001', key: 'SEC-7', self: 'http://jira.invalid/rest/api/2/issue/10001' }));
    });
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      resolve({ url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => { srv.close(() => r()); srv.closeAllConnections?.(); }) });
    });
  });
}

// ------------------------------------------------------------------ main --
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bulwark-e2e-'));
const password = 'e2e-' + randomBytes(12).toString('hex');
let server, browser, tickets;
const results = [];
try {
  tickets = await startTicketReceiver();
  server = await startServer(dataDir, password);
  console.log(`server ${server.url} (pid ${server.child.pid}), data ${dataDir}`);
  const admin = new Api(server.url);
  await admin.login(server.admin, password);

  // Uploads go through an operator API token, as a scanner in CI would.
  const tok = await admin.call('POST', '/tokens', { name: 'e2e-uploader', role: 'operator' });
  const uploader = new Api(server.url);
  uploader.token = tok.data.token;
  const uploaded = {};
  const ctx0 = {};
  for (const { name, report } of sampleReports(source)) {
    const r = await uploader.call('POST', '/reports', JSON.stringify(report));
    uploaded[name] = r.data;
  }
  // Reports made by the real scanner: Kubernetes manifests checked against
  // the misconfiguration policies and the Pod Security Standards benchmark
  // (one filesystem artifact with findings and a compliance report).
  const manifests = path.join(source, 'tests/fixtures/config/kubernetes');
  for (const [name, argv] of [
    ['k8s-config', ['config', manifests, '-f', 'json', '-q']],
    ['k8s-compliance', ['compliance', '--spec', 'k8s-pss-restricted', manifests, '-f', 'json', '-q']],
  ]) {
    const text = execFileSync(bulwark, argv, { encoding: 'utf8', maxBuffer: 64 << 20 });
    uploaded[name] = (await uploader.call('POST', '/reports', text)).data;
  }
  ctx0.manifests = manifests;
  console.log('uploaded', Object.keys(uploaded).join(', '));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const ctx = { ...ctx0, browser, base: server.url, user: server.admin, password, admin, uploaded, artifacts, tickets };
  for (const s of scenarios) {
    if (only && !only.includes(s.name)) continue;
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, locale: 'en-US' });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    const t0 = Date.now();
    try {
      await s.run({ ...ctx, context, page });
      if (consoleErrors.length) throw new Error('page errors: ' + consoleErrors.join('; '));
      results.push({ name: s.name, ok: true });
      console.log(`[PASS] ${s.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      results.push({ name: s.name, ok: false, error: e });
      console.log(`[FAIL] ${s.name}: ${e.stack || e}`);
      try { await page.screenshot({ path: path.join(artifacts, `FAILED-${s.name}.png`), fullPage: true }); } catch { /* page gone */ }
    }
    await context.close();
  }
} catch (e) {
  console.log(`[FAIL] setup: ${e.stack || e}`);
  results.push({ name: 'setup', ok: false, error: e });
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) {
    writeFileSync(path.join(artifacts, 'server.log'), server.log.join(''));
    await stopServer(server.child);
  }
  if (tickets) await tickets.close();
  rmSync(dataDir, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`screenshots: ${artifacts}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);
