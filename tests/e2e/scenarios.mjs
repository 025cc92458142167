// What a person does on the board, scenario by scenario. Each runs in a fresh
// browser context (no cookies, no localStorage) against the real server.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { check, isoDateInDays, parseCsv, poll } from './lib.mjs';

async function login(ctx, page, hash = '') {
  await page.goto(ctx.base + '/' + hash);
  await page.getByTestId('login-form').waitFor();
  await page.getByLabel('User name').fill(ctx.user);
  await page.getByLabel('Password').fill(ctx.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}

// Full-page shots from the top, so that the sticky header and sidebar sit where a person sees them.
async function shot(ctx, page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ctx.artifacts, name), fullPage: true });
}

async function rowSeverities(page) {
  return page.locator('[data-testid=finding-row] [data-severity]').evaluateAll((els) => els.map((e) => e.dataset.severity));
}

async function totalShown(page) {
  const text = await page.getByTestId('findings-total').innerText();
  const m = text.replace(/[,\s]/g, '').match(/(\d+)/);
  return m ? Number(m[1]) : -1;
}

async function artifactId(ctx, name) {
  const r = await ctx.admin.call('GET', '/artifacts?limit=500');
  const a = r.data.items.find((x) => x.name === name || (x.tags || []).includes(name));
  check(a, `artifact ${name} in ${r.data.items.map((x) => x.name).join(', ')}`);
  return String(a.id);
}

async function findingId(ctx, artifact, ruleId, pkg) {
  const r = await ctx.admin.call('GET', `/findings?artifact=${artifact}&q=${encodeURIComponent(ruleId)}&limit=50`);
  const f = r.data.items.find((x) => x.rule_id === ruleId && (!pkg || x.package_name === pkg));
  check(f, `finding ${ruleId} ${pkg || ''} on artifact ${artifact}`);
  return String(f.id);
}

function userRow(page, name) {
  return page.locator(`[data-testid=user-row][data-user="${name}"]`);
}

async function apiUser(ctx, name) {
  return (await ctx.admin.call('GET', '/users')).data.items.find((u) => u.name === name);
}

// A login through the API: true when accepted, false on 401, anything else throws.
async function canLogIn(ctx, name, password) {
  const res = await fetch(ctx.base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: name, password }),
  });
  if (res.status === 200) return true;
  if (res.status === 401) return false;
  throw new Error(`login as ${name} -> ${res.status}: ${await res.text()}`);
}

export const scenarios = [
  {
    name: 'login-and-overview',
    async run(ctx) {
      const { page } = ctx;
      await page.goto(ctx.base + '/');
      await page.getByTestId('login-form').waitFor();
      check(await page.evaluate(() => document.documentElement.lang) === 'en', 'html lang is en');
      // A wrong password is refused with a message, and the form stays.
      await page.getByLabel('User name').fill(ctx.user);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('login-error').waitFor();
      await shot(ctx, page, 'login.png');
      await page.getByLabel('Password').fill(ctx.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('overview').waitFor();

      // Four stage columns in order, fourteen practice cards, as the API says.
      const stages = await page.locator('[data-testid^=stage-]').evaluateAll((els) => els.map((e) => e.dataset.testid));
      check(JSON.stringify(stages) === JSON.stringify(['stage-defense', 'stage-protection', 'stage-detection', 'stage-response']), 'stage order ' + stages);
      const api = (await ctx.admin.call('GET', '/overview')).data;
      const practices = api.stages.flatMap((s) => s.practices);
      check(practices.length === 14, '14 practices from the API, got ' + practices.length);
      check(await page.locator('article[data-testid^=practice-]').count() === 14, '14 practice cards');
      for (const p of practices) {
        const card = page.getByTestId('practice-' + p.key);
        check(await card.getAttribute('data-status') === p.status, `card ${p.key} status ${p.status}`);
        if (p.status === 'no_data' && p.feed) {
          const feed = await card.getByTestId('feed').innerText();
          check(feed.includes(p.feed.slice(0, 20)), `card ${p.key} shows how to feed it`);
        }
      }
      check(practices.some((p) => p.status !== 'no_data'), 'at least one practice has data after the uploads');
      await page.getByTestId('trend-chart').waitFor();
      await shot(ctx, page, 'overview.png');
    },
  },
  {
    name: 'filter-vulnerabilities',
    async run(ctx) {
      const { page } = ctx;
      await login(ctx, page);
      await page.getByTestId('nav-findings').click();
      await page.getByTestId('finding-row').first().waitFor();
      const all = await totalShown(page);

      await page.getByTestId('filter-severity').getByText('Critical', { exact: true }).click();
      await poll(() => page.evaluate(() => location.hash.includes('severity=CRITICAL')), 'severity in the URL');
      const expected = (await ctx.admin.call('GET', '/findings?severity=CRITICAL&limit=1')).data.total;
      await poll(async () => (await totalShown(page)) === expected && (await rowSeverities(page)).every((s) => s === 'CRITICAL'),
        `only CRITICAL rows, ${expected} in total`);
      check(expected > 0 && expected < all, `critical (${expected}) is a strict subset of all (${all})`);

      // The filters live in the URL: a reload shows the same list.
      await page.reload();
      await page.getByTestId('finding-row').first().waitFor();
      check(await page.getByTestId('filter-severity').getByRole('checkbox', { name: 'Critical' }).isChecked(), 'chip stays on after reload');
      check((await rowSeverities(page)).every((s) => s === 'CRITICAL'), 'still only CRITICAL after reload');

      // Free text plus the KEV flag.
      await page.getByTestId('filter-clear').click();
      await poll(() => page.evaluate(() => location.hash === '#/findings'), 'filters cleared');
      await page.getByTestId('filter-q').fill('glibc');
      await page.getByTestId('filter-q').press('Enter');
      await poll(() => page.evaluate(() => location.hash.includes('q=glibc')), 'q in the URL');
      let seen;
      await poll(async () => {
        const rules = await page.locator('[data-testid=finding-row]').evaluateAll((els) => els.map((e) => e.dataset.rule));
        seen = { hash: await page.evaluate(() => location.hash), rules: rules.slice(0, 5), n: rules.length };
        return rules.length > 0 && rules.every((r) => r === 'CVE-2023-4911');
      }, 'only the glibc finding').catch((e) => { throw new Error(e.message + ' ' + JSON.stringify(seen)); });
      await page.getByTestId('filter-kev').check();
      await poll(() => page.evaluate(() => location.hash.includes('kev=true')), 'kev in the URL');
      const kev = (await ctx.admin.call('GET', '/findings?q=glibc&kev=true&limit=1')).data.total;
      await poll(async () => (await totalShown(page)) === kev, `kev total ${kev}`);

      // Sorting by a column header.
      await page.getByTestId('filter-clear').click();
      await poll(() => page.evaluate(() => location.hash === '#/findings'), 'filters cleared');
      await page.getByTestId('sort-epss').click();
      await poll(() => page.evaluate(() => location.hash.includes('sort=epss') && location.hash.includes('order=desc')), 'sort in the URL');
      await poll(async () => {
        const api = (await ctx.admin.call('GET', '/findings?sort=epss&order=desc&limit=5')).data.items.map((f) => String(f.id));
        const ui = await page.locator('[data-testid=finding-row]').evaluateAll((els) => els.slice(0, 5).map((e) => e.dataset.findingId));
        return JSON.stringify(api) === JSON.stringify(ui);
      }, 'rows in the API order for sort=epss');
      await page.getByTestId('filter-severity').getByText('High', { exact: true }).click();
      await page.getByTestId('finding-row').first().waitFor();
      await shot(ctx, page, 'findings.png');
    },
  },
  {
    name: 'triage-one',
    async run(ctx) {
      const { page } = ctx;
      const web = await artifactId(ctx, 'registry.example/shop/web:1.4');
      const id = await findingId(ctx, web, 'CVE-2023-5678', 'openssl');
      await login(ctx, page);
      await page.goto(`${ctx.base}/#/findings/${id}`);
      await page.getByTestId('finding-detail').waitFor();
      // The priority is explained factor by factor.
      const factors = await page.locator('[data-testid=priority-factors] tbody tr').count();
      check(factors > 0, 'priority factors shown');

      await page.getByTestId('triage-state').selectOption('in_progress');
      await page.getByTestId('triage-assignee').fill('alice');
      await page.getByTestId('triage-comment').fill('upgrading openssl in the next release');
      await page.getByTestId('triage-submit').click();
      await page.getByTestId('notice').waitFor();
      await poll(async () => (await page.locator('.page-head [data-state]').getAttribute('data-state')) === 'in_progress', 'state badge in_progress');
      const f = (await ctx.admin.call('GET', '/findings/' + id)).data;
      check(f.state === 'in_progress' && f.assignee === 'alice', `stored state ${f.state}, assignee ${f.assignee}`);
      check((f.history || []).length > 0, 'history recorded');
      check(await page.locator('[data-testid=history] li').count() === f.history.length, 'history shown');

      await page.getByTestId('comment-text').fill('ticket SEC-42 opened');
      await page.getByTestId('comment-submit').click();
      await poll(async () => (await page.getByTestId('comments').innerText()).includes('ticket SEC-42 opened'), 'comment shown');
      await shot(ctx, page, 'finding-detail.png');
    },
  },
  {
    name: 'accept-risk-with-expiry',
    async run(ctx) {
      const { page } = ctx;
      const web = await artifactId(ctx, 'registry.example/shop/web:1.4');
      const id = await findingId(ctx, web, 'CVE-2011-4116');
      const until = isoDateInDays(30);
      await login(ctx, page);
      await page.goto(`${ctx.base}/#/findings/${id}`);
      await page.getByTestId('triage-state').selectOption('accepted_risk');
      await page.getByTestId('triage-exception').waitFor();
      // Neither an expiry nor "until fixed": the form says what is missing.
      await page.getByTestId('triage-submit').click();
      await page.locator('[data-testid=triage-form] [role=alert]').waitFor();
      await page.getByTestId('triage-reason').fill('perl temp files are not used by the service');
      await page.getByTestId('triage-until').fill(until);
      await page.getByTestId('triage-submit').click();
      await page.getByTestId('notice').waitFor();
      await poll(async () => (await page.getByTestId('exception').innerText()).includes(until), 'expiry shown');
      const f = (await ctx.admin.call('GET', '/findings/' + id)).data;
      check(f.state === 'accepted_risk', 'stored state ' + f.state);
      check(f.exception && String(f.exception.until).slice(0, 10) === until, 'stored expiry ' + JSON.stringify(f.exception));
      await shot(ctx, page, 'accept-risk.png');
    },
  },
  {
    name: 'bulk-triage',
    async run(ctx) {
      const { page } = ctx;
      const api = await artifactId(ctx, 'registry.example/shop/api:2.0');
      await login(ctx, page);
      await page.goto(`${ctx.base}/#/findings?artifact=${api}`);
      await page.getByTestId('finding-row').first().waitFor();
      const rows = await page.getByTestId('finding-row').count();
      await page.getByTestId('select-all').check();
      await page.getByTestId('bulk-bar').waitFor();
      await page.getByTestId('bulk-state').selectOption('triaged');
      await page.getByTestId('bulk-assignee').fill('bob');
      await shot(ctx, page, 'bulk-triage.png');
      await page.getByTestId('bulk-submit').click();
      await page.getByTestId('notice').waitFor();
      check((await page.getByTestId('notice').innerText()).includes(String(rows)), `notice counts ${rows}`);
      const after = (await ctx.admin.call('GET', `/findings?artifact=${api}&limit=500`)).data.items;
      check(after.length === rows, `${rows} findings of the artifact`);
      check(after.every((f) => f.state === 'triaged' && f.assignee === 'bob'), 'all triaged and assigned to bob');
      await poll(async () => (await page.locator('[data-testid=finding-row] [data-state]').evaluateAll((els) => els.map((e) => e.dataset.state))).every((s) => s === 'triaged'), 'rows show triaged');

      // One row as a false positive: that needs a justification.
      await page.getByTestId('row-check').first().check();
      await page.getByTestId('bulk-state').selectOption('false_positive');
      await page.getByTestId('bulk-submit').click();
      await page.locator('[data-testid=bulk-form] [role=alert]').waitFor();
      await page.getByTestId('bulk-justification').selectOption('vulnerable_code_not_in_execute_path');
      await page.getByTestId('bulk-submit').click();
      await poll(async () => /^1\D/.test(await page.getByTestId('notice').innerText()), 'one updated');
      const fp = (await ctx.admin.call('GET', `/findings?artifact=${api}&state=false_positive&limit=10`)).data;
      check(fp.total === 1, 'one false positive stored, got ' + fp.total);
    },
  },
  {
    name: 'artifact-detail',
    async run(ctx) {
      const { page } = ctx;
      await login(ctx, page);
      await page.getByTestId('nav-artifacts').click();
      await page.getByTestId('artifact-row').first().waitFor();
      await shot(ctx, page, 'artifacts.png');
      await page.getByRole('link', { name: 'registry.example/shop/web', exact: true }).click();
      await page.getByTestId('artifact-summary').waitFor();
      const tags = await page.getByTestId('tags').innerText();
      check(tags.includes('registry.example/shop/web:latest'), 'tags shown: ' + tags);
      await shot(ctx, page, 'artifact-summary.png');
      const id = await artifactId(ctx, 'registry.example/shop/web:1.4');
      const detail = (await ctx.admin.call('GET', '/artifacts/' + id)).data;

      await page.getByTestId('tab-layers').click();
      await page.getByTestId('layers-table').waitFor();
      check(await page.getByTestId('layer-row').count() === detail.layers.length, `${detail.layers.length} layers`);
      await shot(ctx, page, 'artifact-layers.png');

      await page.getByTestId('tab-packages').click();
      await page.getByTestId('packages-table').waitFor();
      const pk = (await ctx.admin.call('GET', `/artifacts/${id}/packages`)).data;
      const n = Array.isArray(pk) ? pk.length : pk.items.length;
      check(await page.locator('[data-testid=packages-table] tbody tr').count() === n, `${n} packages`);

      await page.getByTestId('tab-findings').click();
      await page.getByTestId('findings-table').waitFor();
      await page.getByTestId('tab-patch').click();
      await page.getByTestId('patch-plan').waitFor();
      await shot(ctx, page, 'artifact-patch-plan.png');
      await page.getByTestId('tab-scans').click();
      await page.getByTestId('scans-table').waitFor();
      check(await page.locator('[data-testid=scans-table] tbody tr').count() === 2, 'two scans of shop/web');

      // The manifests' artifact carries the Pod Security Standards results.
      const fsId = String(ctx.uploaded['k8s-compliance'].artifact_id);
      const compliance = (await ctx.admin.call('GET', `/artifacts/${fsId}/compliance`)).data;
      const reports = Array.isArray(compliance) ? compliance : compliance.items;
      check(reports.length === 1 && reports[0].controls.length > 0, 'one compliance report with controls');
      await page.goto(`${ctx.base}/#/artifacts/${fsId}?tab=compliance`);
      await page.getByTestId('compliance').waitFor();
      await poll(async () => await page.locator('[data-testid=compliance] tbody tr').count() === reports[0].controls.length,
        `${reports[0].controls.length} controls shown`);
      await shot(ctx, page, 'artifact-compliance.png');
    },
  },
  {
    name: 'csv-export',
    async run(ctx) {
      const { page } = ctx;
      await login(ctx, page);
      await page.goto(`${ctx.base}/#/findings?severity=HIGH`);
      await page.getByTestId('finding-row').first().waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
      const file = path.join(ctx.artifacts, 'findings-high.csv');
      await download.saveAs(file);
      const rows = parseCsv(readFileSync(file, 'utf8')).filter((r) => r.length > 1 || r[0] !== '');
      const header = rows[0].map((h) => h.toLowerCase());
      const sev = header.indexOf('severity');
      check(sev >= 0, 'a severity column in ' + header.join(','));
      const expected = (await ctx.admin.call('GET', '/findings?severity=HIGH&limit=1')).data.total;
      check(rows.length - 1 === expected, `${expected} data rows, got ${rows.length - 1}`);
      check(rows.slice(1).every((r) => r[sev] === 'HIGH'), 'only HIGH rows');
    },
  },
  {
    name: 'language-switch',
    async run(ctx) {
      const { page } = ctx;
      await login(ctx, page);
      await page.getByTestId('overview').waitFor();
      await page.locator('header [data-testid=lang-switch]').selectOption('zh-CN');
      await poll(() => page.evaluate(() => document.documentElement.lang === 'zh-CN'), 'html lang zh-CN');
      await poll(async () => (await page.getByTestId('nav-overview').innerText()).includes('总览'), 'Chinese navigation');
      check((await page.locator('#stage-defense-title').innerText()).includes('防御'), 'Chinese stage title');
      await page.reload();
      await page.getByTestId('overview').waitFor();
      check(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'choice kept after reload');
      check(await page.evaluate(() => localStorage.getItem('bulwark.lang')) === 'zh-CN', 'choice in localStorage');
      await shot(ctx, page, 'overview-zh.png');
      await page.getByTestId('nav-findings').click();
      await page.getByTestId('finding-row').first().waitFor();
      check((await page.locator('h1').innerText()).includes('漏洞'), 'Chinese findings title');
      await shot(ctx, page, 'findings-zh.png');
      await page.locator('header [data-testid=lang-switch]').selectOption('en');
      await poll(async () => (await page.getByTestId('nav-overview').innerText()).includes('Overview'), 'back to English');
    },
  },
  {
    name: 'unauthorized-goes-to-login',
    async run(ctx) {
      const { page, context } = ctx;
      await login(ctx, page);
      await page.getByTestId('nav-findings').click();
      await page.getByTestId('finding-row').first().waitFor();
      // The session disappears (expired, or revoked on the server).
      await context.clearCookies();
      await page.getByTestId('nav-artifacts').click();
      await page.getByTestId('login-form').waitFor();
      await poll(() => page.evaluate(() => location.hash.startsWith('#/login') && location.hash.includes('next=')), 'login with next=');
      await page.getByLabel('User name').fill(ctx.user);
      await page.getByLabel('Password').fill(ctx.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('artifacts-page').waitFor();
      // Signing out ends the session on the server too.
      await page.getByTestId('logout').click();
      await page.getByTestId('login-form').waitFor();
      await page.goto(ctx.base + '/#/findings');
      await page.getByTestId('login-form').waitFor();
    },
  },
  {
    name: 'viewer-reads-only',
    async run(ctx) {
      const { page } = ctx;
      const name = 'viewer-' + Date.now();
      const password = 'viewer-password-' + Date.now();
      await ctx.admin.call('POST', '/users', { name, password, role: 'viewer' });
      await page.goto(ctx.base + '/');
      await page.getByLabel('User name').fill(name);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('overview').waitFor();
      check(await page.getByTestId('nav-admin').count() === 0, 'no Administration for a viewer');
      await page.getByTestId('nav-findings').click();
      await page.getByTestId('finding-row').first().waitFor();
      check(await page.getByTestId('row-check').count() === 0, 'no bulk selection for a viewer');
      await page.locator('[data-testid=finding-row] a.rule-link').first().click();
      await page.getByTestId('finding-detail').waitFor();
      await page.getByTestId('priority').waitFor();
      check(await page.getByTestId('triage').count() === 0, 'no triage form for a viewer');
      check(await page.getByTestId('ticket').count() === 0, 'no ticket button for a viewer');
      // The admin pages stay closed to a viewer even when typed into the address bar.
      await page.goto(ctx.base + '/#/admin/users');
      await page.getByText('You do not have permission to see this page.').waitFor();
    },
  },
  {
    name: 'admin-pages',
    async run(ctx) {
      const { page } = ctx;
      await login(ctx, page);
      await page.getByTestId('nav-admin').click();
      await page.getByTestId('users-table').waitFor();
      check(await page.getByTestId('user-row').count() >= 1, 'the admin is listed');
      await page.getByTestId('tab-tokens').click();
      await page.getByTestId('token-name').fill('ci-pipeline');
      await page.getByTestId('token-create').click();
      await page.getByTestId('new-token').waitFor();
      const secret = await page.locator('[data-testid=new-token] code').innerText();
      check(secret.startsWith('bwt_'), 'token shown once: ' + secret.slice(0, 4));
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-form').waitFor();
      await page.getByTestId('tab-audit').click();
      await page.getByTestId('audit-table').waitFor();
      await shot(ctx, page, 'admin-audit.png');
    },
  },
  {
    name: 'ticket-to-jira',
    async run(ctx) {
      const { page, tickets } = ctx;
      const host = await artifactId(ctx, 'node-1.example');
      const id = await findingId(ctx, host, 'CVE-2023-4911');
      await login(ctx, page, '#/admin/settings');
      await page.getByTestId('settings-form').waitFor();
      // The webhook points at the runner's loopback receiver, in Jira format.
      const url = tickets.url + '/rest/api/2/issue';
      await page.getByTestId('webhook-url').fill(url);
      await page.getByTestId('webhook-format').selectOption('jira');
      await page.getByTestId('webhook-project-key').fill('SEC');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.locator('[data-testid=settings-form] [role=status]').waitFor();
      const wh = (await ctx.admin.call('GET', '/settings')).data.webhook;
      check(wh.url === url && wh.format === 'jira' && wh.project_key === 'SEC', 'stored webhook ' + JSON.stringify(wh));

      await page.goto(`${ctx.base}/#/findings/${id}`);
      await page.getByTestId('finding-detail').waitFor();
      check(await page.getByTestId('ticket-ref').count() === 0, 'no ticket before the button is pressed');
      const before = tickets.received.length;
      await page.getByTestId('ticket').click();
      await page.getByTestId('notice').waitFor();
      await poll(async () => (await page.getByTestId('ticket-ref').count()) === 1 &&
        (await page.getByTestId('ticket-ref').innerText()).trim() === 'SEC-7', 'ticket reference SEC-7 shown');
      await shot(ctx, page, 'finding-ticket.png');

      // What the ticket system received: one Jira create-issue body for this finding.
      check(tickets.received.length === before + 1, `one request to the receiver, got ${tickets.received.length - before}`);
      const got = tickets.received[tickets.received.length - 1];
      check(got.method === 'POST' && got.path === '/rest/api/2/issue', `POST /rest/api/2/issue, got ${got.method} ${got.path}`);
      check(String(got.headers['content-type']).startsWith('application/json'), 'JSON content type: ' + got.headers['content-type']);
      check(got.body && typeof got.body.fields === 'object', 'a body with fields: ' + got.text.slice(0, 200));
      const f = (await ctx.admin.call('GET', '/findings/' + id)).data;
      const fields = got.body.fields;
      check(fields.project?.key === 'SEC', 'project key ' + JSON.stringify(fields.project));
      check(typeof fields.issuetype?.name === 'string' && fields.issuetype.name !== '', 'issue type ' + JSON.stringify(fields.issuetype));
      check(fields.summary.includes(f.rule_id) && fields.summary.includes(f.package_name) && fields.summary.includes(f.artifact_name),
        `summary names ${f.rule_id}, ${f.package_name}, ${f.artifact_name}: ${fields.summary}`);
      check(fields.description.includes(`${ctx.base}/#/findings/${id}`), 'description links the finding: ' + fields.description);
      check(fields.description.includes(`Severity: ${f.severity}`), 'description gives the severity');
      check(Array.isArray(fields.labels) && fields.labels.includes('bulwark') && fields.labels.includes(f.priority.level),
        'labels ' + JSON.stringify(fields.labels));
      if (f.due_date) check(fields.duedate === String(f.due_date).slice(0, 10), `duedate ${fields.duedate} = ${f.due_date}`);

      // The reference is stored with the finding and its history, and stays after a reload.
      check(f.ticket === 'SEC-7', 'stored ticket ' + JSON.stringify(f.ticket));
      check(f.history.some((h) => h.field === 'ticket' && h.new === 'SEC-7'), 'ticket in the history');
      await page.reload();
      await page.getByTestId('ticket-ref').waitFor();
      check((await page.getByTestId('ticket-ref').innerText()).trim() === 'SEC-7', 'reference kept after reload');
    },
  },
  {
    name: 'user-management',
    async run(ctx) {
      const { page } = ctx;
      const suffix = Date.now().toString(36);
      const name = 'dana-' + suffix;
      const first = 'first-password-' + suffix;
      const second = 'second-password-' + suffix;
      await login(ctx, page, '#/admin/users');
      await page.getByTestId('users-table').waitFor();
      // The header says who is signed in; the own row is marked.
      check((await page.getByTestId('current-user-name').innerText()).trim() === ctx.user, 'header names the admin');
      check(await page.getByTestId('current-user-role').getAttribute('data-role') === 'admin', 'header shows the admin role');
      await userRow(page, ctx.user).getByTestId('user-you').waitFor();

      // Create a viewer.
      await page.getByTestId('new-user-name').fill(name);
      await page.getByTestId('new-user-role').selectOption('viewer');
      await page.getByTestId('new-user-password').fill(first);
      await page.getByTestId('new-user-submit').click();
      await userRow(page, name).waitFor();
      check((await page.getByTestId('notice').innerText()).includes(name), 'notice names the new user');
      let u = await apiUser(ctx, name);
      check(u && u.role === 'viewer' && !u.disabled, 'stored as an enabled viewer: ' + JSON.stringify(u));

      // The server refuses to demote, disable or delete the signed-in admin;
      // the page shows why and puts the row back as the server holds it.
      await userRow(page, ctx.user).getByTestId('user-role').selectOption('viewer');
      await poll(async () => (await page.getByTestId('error').count()) === 1 &&
        (await page.getByTestId('error').innerText()).includes('you cannot demote or disable yourself'), 'refusal to demote shown');
      await poll(async () => (await userRow(page, ctx.user).getByTestId('user-role').inputValue()) === 'admin', 'own role select back to admin');

      // Change the new user's role: that works, and the refusal above goes away.
      await userRow(page, name).getByTestId('user-role').selectOption('operator');
      await poll(async () => (await userRow(page, name).getAttribute('data-role')) === 'operator', 'row shows operator');
      await poll(async () => (await page.getByTestId('error').count()) === 0 &&
        (await page.getByTestId('notice').innerText()).includes(name), 'role change confirmed, no error');
      check((await apiUser(ctx, name)).role === 'operator', 'stored role operator');

      await userRow(page, ctx.user).getByTestId('user-toggle-disabled').click();
      await poll(async () => (await page.getByTestId('notice').count()) === 0 && (await page.getByTestId('error').count()) === 1 &&
        (await page.getByTestId('error').innerText()).includes('you cannot demote or disable yourself'), 'refusal to disable shown');
      check(await userRow(page, ctx.user).getAttribute('data-disabled') === 'false', 'own row still enabled');
      await userRow(page, ctx.user).getByTestId('user-delete').click();
      await page.getByTestId('confirm-delete-yes').click();
      await poll(async () => (await page.getByTestId('error').innerText()).includes('you cannot delete yourself'), 'refusal to delete shown');
      u = await apiUser(ctx, ctx.user);
      check(u && u.role === 'admin' && !u.disabled, 'the admin is unchanged: ' + JSON.stringify(u));

      // A new password, typed twice: a mismatch is caught before anything is sent.
      await userRow(page, name).getByTestId('user-set-password').click();
      await page.getByTestId('password-new').fill(second);
      await page.getByTestId('password-repeat').fill(second + 'x');
      await page.getByTestId('password-submit').click();
      await page.getByTestId('password-problem').waitFor();
      check(await canLogIn(ctx, name, first), 'the first password still works after the mismatch');
      await page.getByTestId('password-repeat').fill(second);
      await shot(ctx, page, 'admin-users.png');
      await page.getByTestId('password-submit').click();
      await poll(async () => (await page.getByTestId('password-form').count()) === 0 &&
        (await page.getByTestId('notice').innerText()).includes(name), 'password set, form closed');
      check(await canLogIn(ctx, name, second), 'the new password works');
      check(!(await canLogIn(ctx, name, first)), 'the old password no longer works');

      // The user signs in elsewhere and sees who they are.
      const other = await ctx.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
      try {
        const p2 = await other.newPage();
        await p2.goto(ctx.base + '/');
        await p2.getByLabel('User name').fill(name);
        await p2.getByLabel('Password').fill(second);
        await p2.getByRole('button', { name: 'Sign in' }).click();
        await p2.getByTestId('overview').waitFor();
        check((await p2.getByTestId('current-user-name').innerText()).trim() === name, 'header names the new user');
        check(await p2.getByTestId('current-user-role').getAttribute('data-role') === 'operator', 'header shows operator');
        check(await p2.getByTestId('nav-admin').count() === 0, 'no Administration for an operator');

        // Disabled: its session ends and it can no longer sign in.
        await userRow(page, name).getByTestId('user-toggle-disabled').click();
        await poll(async () => (await userRow(page, name).getAttribute('data-disabled')) === 'true', 'row shows disabled');
        check((await userRow(page, name).getByTestId('user-status').innerText()).includes('Disabled'), 'status says Disabled');
        check((await apiUser(ctx, name)).disabled === true, 'stored as disabled');
        await p2.getByTestId('nav-findings').click();
        await p2.getByTestId('login-form').waitFor();
        await p2.getByLabel('User name').fill(name);
        await p2.getByLabel('Password').fill(second);
        await p2.getByRole('button', { name: 'Sign in' }).click();
        await p2.getByTestId('login-error').waitFor();
        check((await p2.getByTestId('login-error').innerText()).includes('Wrong user name or password'), 'disabled user refused');
        check(await p2.getByTestId('current-user').count() === 0, 'still signed out');
      } finally {
        await other.close();
      }

      // Enabled again, it can sign in.
      await userRow(page, name).getByTestId('user-toggle-disabled').click();
      await poll(async () => (await userRow(page, name).getAttribute('data-disabled')) === 'false', 'row shows enabled');
      check(await canLogIn(ctx, name, second), 'enabled user signs in');

      // Deleted, after a confirmation that can be cancelled.
      await userRow(page, name).getByTestId('user-delete').click();
      check((await page.getByTestId('confirm-delete').innerText()).includes(name), 'confirmation names the user');
      await page.getByTestId('confirm-delete').getByRole('button', { name: 'Cancel' }).click();
      check(await page.getByTestId('confirm-delete').count() === 0 && await userRow(page, name).count() === 1, 'cancel keeps the user');
      await userRow(page, name).getByTestId('user-delete').click();
      await page.getByTestId('confirm-delete-yes').click();
      await poll(async () => (await userRow(page, name).count()) === 0, 'row gone');
      check(!(await apiUser(ctx, name)), 'user deleted on the server');

      const audit = (await ctx.admin.call('GET', '/audit?limit=200')).data.items.filter((e) => e.object === 'user:' + name).map((e) => e.action);
      for (const a of ['user_create', 'user_update', 'user_delete']) check(audit.includes(a), `audit has ${a}: ${audit.join(', ')}`);
    },
  },

];
